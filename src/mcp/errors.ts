import { ErrorCode, McpError, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { DomainError, ERROR_CODE_GUIDE, type ErrorCodeGuide } from "../domain/errors.js";
import type { Logger } from "../logging.js";

// The one place where errors become MCP: tools answer `isError` results whose text is
// `CODE: message`; resources and prompts throw McpError; anything unexpected is logged to stderr
// and reported as a generic message (no stack traces or paths reach the client).

export function toolError(code: string, message: string): CallToolResult {
  return { content: [{ type: "text", text: `${code}: ${message}` }], isError: true };
}

export function toolErrorFrom(error: unknown, toolName: string, logger: Logger): CallToolResult {
  if (error instanceof DomainError) return toolError(error.code, error.message);
  logger.error(
    `unexpected error in ${toolName}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  return toolError(
    "INTERNAL",
    `${toolName} failed unexpectedly; nothing was changed by this call unless an audit event says so. Details are on the server's stderr.`,
  );
}

/** For resources and prompts: McpError with a message that says what to do next. */
export function mcpErrorFrom(error: unknown, what: string, logger: Logger): McpError {
  if (error instanceof McpError) return error;
  if (error instanceof DomainError) {
    const code = error.code === "NOT_FOUND" ? ErrorCode.InvalidParams : ErrorCode.InvalidRequest;
    return new McpError(code, `${error.code}: ${error.message}`);
  }
  logger.error(
    `unexpected error reading ${what}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  return new McpError(
    ErrorCode.InternalError,
    `Reading ${what} failed unexpectedly. Details are on the server's stderr.`,
  );
}

// ---------- the README's error-code table ----------

/** The one code that is not a DomainError: anything unexpected (see toolErrorFrom). */
const INTERNAL: ErrorCodeGuide = {
  meaning: "Something unexpected failed; the details are on the server's stderr, never in the answer.",
  next: "Nothing was changed unless an audit event says so: check get_audit_events before retrying a write.",
};

export const ERROR_TABLE_START = "<!-- generated:errors:start (npm run docs) -->";
export const ERROR_TABLE_END = "<!-- generated:errors:end -->";

/** Every code a tool error can carry, as a Markdown table. */
export function renderErrorCodeTable(): string {
  const rows = [...Object.entries(ERROR_CODE_GUIDE), ["INTERNAL", INTERNAL] as const].map(
    ([code, guide]) =>
      `| \`${code}\` | ${guide.meaning.replace(/\|/g, "\\|")} | ${guide.next.replace(/\|/g, "\\|")} |`,
  );
  return ["| code | what it means | what the client should do |", "|---|---|---|", ...rows].join("\n");
}

/** `readme` with the error-code table between its markers rendered anew (unchanged without markers). */
export function withErrorCodeTable(readme: string): string {
  const start = readme.indexOf(ERROR_TABLE_START);
  const end = readme.indexOf(ERROR_TABLE_END);
  if (start === -1 && end === -1) return readme;
  if (start === -1 || end === -1 || end < start) {
    throw new Error(`README.md needs both markers, in order: ${ERROR_TABLE_START} and ${ERROR_TABLE_END}`);
  }
  return `${readme.slice(0, start + ERROR_TABLE_START.length)}\n${renderErrorCodeTable()}\n${readme.slice(end)}`;
}
