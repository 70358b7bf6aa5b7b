import type { z } from "zod";
import type { ElicitRequestFormParams, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import type { IntakeService } from "../service/intake-service.js";
import type { HandoffService } from "../service/handoff-service.js";
import type { TriageService } from "../service/triage-service.js";
import type { ApprovalService } from "../service/approval-service.js";
import type { CardTokens } from "../service/card-tokens.js";
import type { Workspace } from "../domain/workspace/index.js";
import type { WorkspaceInputs } from "../domain/inputs.js";
import type { WorkspaceOutputs } from "./outputs.js";
import type { Toolset } from "./toolsets.js";

/**
 * read: no side effects. write: changes state but destroys nothing (a pending recommendation).
 * finalize: applies or discards a recommendation; cannot be undone by the caller.
 */
export type ToolKind = "read" | "write" | "finalize";

export interface ClientIdentity {
  readonly name: string;
  readonly version: string;
}

/** A flat form for the human, rendered by the client itself (MCP form elicitation). */
export interface HumanForm {
  readonly message: string;
  readonly requestedSchema: ElicitRequestFormParams["requestedSchema"];
}

/**
 * What came back from the form. `expired`: nobody answered in time. `failed`: the client could not
 * show the form or the call was cancelled. Only `accept` carries content.
 */
export type HumanAnswer =
  | { readonly action: "accept"; readonly content: Readonly<Record<string, unknown>> }
  | { readonly action: "decline" }
  | { readonly action: "cancel" }
  | { readonly action: "expired"; readonly afterMs: number }
  | { readonly action: "failed"; readonly reason: string };

export type AskHuman = (form: HumanForm) => Promise<HumanAnswer>;

export interface ToolContext {
  readonly service: TriageService;
  /** The approval decision and the review packet, shared by every approval channel. */
  readonly approvals: ApprovalService;
  readonly intake: IntakeService;
  /** The handoff outbox (read only from MCP: delivery is the operator's `handoffs deliver`). */
  readonly handoffs: HandoffService;
  readonly client: ClientIdentity | undefined;
  /** The connection: the transport's session id, or an id generated per connection (stdio has none). */
  readonly session: string;
  /** Asks the human through the client's UI; undefined when the client declared no form elicitation. */
  readonly askHuman: AskHuman | undefined;
  /** The review card's tokens; undefined unless the client declared MCP Apps (it shows the card). */
  readonly cards: CardTokens | undefined;
}

/**
 * MCP Apps: how a tool relates to the review card, for clients that declared the extension
 * (every other client sees the tool exactly as if this were absent).
 */
export interface ToolAppRole<O extends z.ZodObject = z.ZodObject> {
  /** Its result presents this recommendation: the host renders the review card with it. */
  readonly presents?: (result: z.input<O>) => string;
  /** Only the card may call it (`_meta.ui.visibility: ["app"]`): a compliant host hides it from the model. */
  readonly appOnly?: boolean;
  /** A sentence added to the description for clients that show the card. */
  readonly cardNote?: string;
}

export interface ToolDefinition<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly kind: ToolKind;
  /** The group the operator serves or leaves out (TRIAGE_TOOLSETS); each tool is in one. */
  readonly toolset: Toolset;
  readonly input: I;
  readonly output: O;
  readonly handler: (args: z.infer<I>, ctx: ToolContext) => Promise<z.input<O>> | z.input<O>;
  readonly app?: ToolAppRole<O>;
}

/** What tool definitions are built from: the workspace, and its input and output schemas. */
export interface ToolSchemas {
  readonly workspace: Workspace;
  readonly inputs: WorkspaceInputs;
  readonly outputs: WorkspaceOutputs;
}

/** Keeps the handler's argument type tied to its schema while the array stays homogeneous. */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(
  tool: ToolDefinition<I, O>,
): ToolDefinition {
  return tool;
}

/** Annotations derive from the kind, in one place. */
export function annotationsFor(tool: Pick<ToolDefinition, "kind" | "title">): ToolAnnotations {
  switch (tool.kind) {
    case "read":
      return {
        title: tool.title,
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      };
    case "write":
      return {
        title: tool.title,
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      };
    case "finalize":
      return {
        title: tool.title,
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: false,
      };
  }
}
