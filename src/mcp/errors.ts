import { ErrorCode, McpError, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import { DomainError } from "../domain/errors.js";
import type { Logger } from "../logging.js";

// The one place where errors become MCP: tools answer `isError` results whose text is
// `CODE: message`; resources and prompts throw McpError; anything unexpected is logged to stderr
// and reported as a generic message (no stack traces or paths reach the client).

export function toolError(code: string, message: string): CallToolResult {
  return { content: [{ type: "text", text: `${code}: ${message}` }], isError: true };
}

export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path.length === 0 ? "arguments" : issue.path.join(".");
      return `${path}: ${issue.message}`;
    })
    .join("; ");
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
