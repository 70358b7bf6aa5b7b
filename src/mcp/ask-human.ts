import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  ErrorCode,
  McpError,
  type ClientCapabilities,
  type ServerNotification,
  type ServerRequest,
} from "@modelcontextprotocol/sdk/types.js";
import type { AskHuman, HumanAnswer } from "./tool.js";

export interface ElicitationOptions {
  /** How long the reviewer has to answer a form before the call gives up (nothing is changed). */
  readonly timeoutMs: number;
  /**
   * While a form is open and the client asked for progress on the tool call, a progress
   * notification is sent this often, so clients that reset their tool timeout on progress keep
   * waiting for the human. 0 disables it.
   */
  readonly progressIntervalMs: number;
}

export const DEFAULT_ELICITATION: ElicitationOptions = {
  timeoutMs: 10 * 60_000,
  progressIntervalMs: 15_000,
};

/**
 * True when the client declared form elicitation at the handshake. An empty `elicitation: {}`
 * means form (the capability predates modes); a client that declares only `url` cannot show a form.
 */
export function supportsFormElicitation(capabilities: ClientCapabilities | undefined): boolean {
  const elicitation = capabilities?.elicitation;
  if (elicitation === undefined) return false;
  return elicitation.form !== undefined || elicitation.url === undefined;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/**
 * The form channel for one tools/call: asks through `elicitation/create`, tied to the call
 * (cancelling the call cancels the form), bounded by `timeoutMs`. Undefined when the client
 * cannot show forms. Never throws: every way a form can end is a HumanAnswer.
 */
export function askHumanFor(server: Server, extra: Extra, options: ElicitationOptions): AskHuman | undefined {
  if (!supportsFormElicitation(server.getClientCapabilities())) return undefined;
  return async (form): Promise<HumanAnswer> => {
    const token = extra._meta?.progressToken;
    let beats = 0;
    const heartbeat =
      token !== undefined && options.progressIntervalMs > 0
        ? setInterval(() => {
            beats += 1;
            extra
              .sendNotification({
                method: "notifications/progress",
                params: {
                  progressToken: token,
                  progress: beats,
                  message: "Waiting for the reviewer to answer the approval form.",
                },
              })
              .catch(() => undefined);
          }, options.progressIntervalMs)
        : undefined;
    try {
      const result = await server.elicitInput(
        { mode: "form", message: form.message, requestedSchema: form.requestedSchema },
        { timeout: options.timeoutMs, signal: extra.signal, relatedRequestId: extra.requestId },
      );
      if (result.action === "accept") return { action: "accept", content: result.content ?? {} };
      return { action: result.action };
    } catch (error) {
      // First: the SDK reports a request aborted through its signal as a timeout too.
      if (extra.signal.aborted) return { action: "failed", reason: "the tool call was cancelled" };
      if (error instanceof McpError && error.code === Number(ErrorCode.RequestTimeout)) {
        return { action: "expired", afterMs: options.timeoutMs };
      }
      return { action: "failed", reason: describe(error) };
    } finally {
      if (heartbeat !== undefined) clearInterval(heartbeat);
    }
  };
}
