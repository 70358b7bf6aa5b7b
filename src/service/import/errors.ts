import { DomainError, type ErrorCode } from "../../domain/errors.js";

/**
 * The request itself is wrong (an option, the path, a --map naming no column): nothing was read
 * into the runtime. The command line reports it as a usage error.
 */
export class ImportRequestError extends DomainError {
  constructor(code: Extract<ErrorCode, "INVALID_INPUT" | "NOT_FOUND">, message: string) {
    super(code, message);
    this.name = "ImportRequestError";
  }
}
