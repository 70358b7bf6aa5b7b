import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolResult,
  type ServerNotification,
  type ServerRequest,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { Logger } from "../logging.js";
import type { IntakeService } from "../service/intake-service.js";
import type { HandoffService } from "../service/handoff-service.js";
import type { TriageService } from "../service/triage-service.js";
import type { ApprovalService } from "../service/approval-service.js";
import { describeIssues } from "../domain/errors.js";
import { toolError, toolErrorFrom } from "./errors.js";
import type { CardTokens } from "../service/card-tokens.js";
import { askHumanFor, DEFAULT_ELICITATION, type ElicitationOptions } from "./ask-human.js";
import { cardToolMeta } from "./review-card.js";
import { annotationsFor, type AskHuman, type ClientIdentity, type ToolDefinition } from "./tool.js";
import { ALL_TOOLS, hiddenBecause, type ToolSelection } from "./toolsets.js";

/** Whole-call argument budget: anything larger is refused before any parsing work. */
export const MAX_ARGUMENT_BYTES = 256 * 1024;

type JsonSchemaObject = Tool["inputSchema"];

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchemaObject {
  const out = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
  delete out.$schema;
  return out as JsonSchemaObject;
}

/**
 * tools/list entries, derived from the definitions (annotations from `kind`). For a client that
 * shows the review card, tools with an app role also carry their `_meta.ui` and card note.
 */
export function describeTools(tools: readonly ToolDefinition[], options: { cards?: boolean } = {}): Tool[] {
  return tools.map((t) => {
    const app = options.cards === true ? t.app : undefined;
    return {
      name: t.name,
      title: t.title,
      description: app?.cardNote === undefined ? t.description : `${t.description} ${app.cardNote}`,
      inputSchema: jsonSchema(t.input, "input"),
      outputSchema: jsonSchema(t.output, "output"),
      annotations: annotationsFor(t),
      ...(app === undefined ? {} : { _meta: cardToolMeta(app) }),
    };
  });
}

export interface ToolRuntimeDeps {
  readonly service: TriageService;
  readonly approvals: ApprovalService;
  readonly intake: IntakeService;
  readonly handoffs: HandoffService;
  readonly logger: Logger;
  readonly client: () => ClientIdentity | undefined;
  /** Identifies the connection when the transport has no session id of its own (stdio). */
  readonly session: string;
  /** The form channel of one call; undefined when the client cannot show forms. */
  readonly askHuman?: (extra: RequestHandlerExtra<ServerRequest, ServerNotification>) => AskHuman | undefined;
  /** The review card (MCP Apps), for clients that declared the extension. */
  readonly cards?: CardRuntime;
  /** Read-only mode and toolsets: the tools served; every tool when absent. */
  readonly selection?: ToolSelection;
}

export interface CardRuntime {
  /** True when the connected client declared MCP Apps (asked per request: it is known after initialize). */
  readonly shown: () => boolean;
  /** Tools only such clients get, listed after the others. */
  readonly tools: readonly ToolDefinition[];
  readonly tokens: CardTokens;
  /** The `_meta` of a result that presents a recommendation. */
  readonly resultMeta: (recommendationId: string, session: string) => Record<string, unknown>;
}

/**
 * Serves tools/list and tools/call from the tool array. Validation happens here, once, with the
 * same zod schema that is published, so refusals read `INVALID_INPUT: field: problem`. Tools the
 * selection (read-only mode, toolsets) hides are neither listed nor served: a call to one is
 * refused with what hides it and how to enable it.
 */
export function installTools(server: Server, all: readonly ToolDefinition[], deps: ToolRuntimeDeps): void {
  const selection = deps.selection ?? ALL_TOOLS;
  const hidden = new Map(
    [...all, ...(deps.cards?.tools ?? [])].flatMap((t) => {
      const why = hiddenBecause(t, selection);
      return why === undefined ? [] : [[t.name, why] as const];
    }),
  );
  const tools = all.filter((t) => !hidden.has(t.name));
  // JSON Schemas are derived on the first tools/list, not at startup (a few tens of ms).
  let listed: Tool[] | undefined;
  let listedWithCards: Tool[] | undefined;
  const withCards = [...tools, ...(deps.cards?.tools ?? []).filter((t) => !hidden.has(t.name))];
  const byName = new Map(tools.map((t) => [t.name, t]));
  const byNameWithCards = new Map(withCards.map((t) => [t.name, t]));
  server.registerCapabilities({ tools: { listChanged: false } });
  server.setRequestHandler(ListToolsRequestSchema, () => {
    if (deps.cards?.shown() === true) {
      listedWithCards ??= describeTools(withCards, { cards: true });
      return { tools: listedWithCards };
    }
    listed ??= describeTools(tools);
    return { tools: listed };
  });
  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const { name, arguments: args } = request.params;
    const cards = deps.cards?.shown() === true ? deps.cards : undefined;
    const known = cards === undefined ? byName : byNameWithCards;
    const tool = known.get(name);
    const why = hidden.get(name);
    if (tool === undefined && why !== undefined) return toolError("NOT_FOUND", why);
    if (tool === undefined) {
      return toolError(
        "NOT_FOUND",
        `Unknown tool "${name}". Available tools: ${[...known.keys()].join(", ")}.`,
      );
    }
    return callTool(tool, args ?? {}, deps, deps.askHuman?.(extra), extra.sessionId, cards);
  });
}

/** The form channel over a server's own elicitation/create, for `ToolRuntimeDeps.askHuman`. */
export function elicitationChannel(
  server: Server,
  options: ElicitationOptions = DEFAULT_ELICITATION,
): NonNullable<ToolRuntimeDeps["askHuman"]> {
  return (extra) => askHumanFor(server, extra, options);
}

export async function callTool(
  tool: ToolDefinition,
  args: unknown,
  deps: ToolRuntimeDeps,
  askHuman?: AskHuman,
  transportSession?: string,
  cards?: CardRuntime,
): Promise<CallToolResult> {
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(args) ?? "");
  } catch {
    return toolError("INVALID_INPUT", "arguments are not serializable JSON.");
  }
  if (size > MAX_ARGUMENT_BYTES) {
    return toolError(
      "INVALID_INPUT",
      `arguments are ${size} bytes; ${tool.name} accepts at most ${MAX_ARGUMENT_BYTES}. Nothing was stored.`,
    );
  }
  // Unknown keys are dropped, not refused: clients written for the reference server may send
  // output-only fields (escalationReasons, ...) and must keep working; nothing unknown is stored.
  const parsed = tool.input.safeParse(args);
  if (!parsed.success) {
    return toolError(
      "INVALID_INPUT",
      `${describeIssues(parsed.error.issues)}. See the input schema of ${tool.name} in tools/list.`,
    );
  }
  const session = transportSession ?? deps.session;
  try {
    // A request boundary: see what other servers committed (on PostgreSQL: what LISTEN/NOTIFY
    // reported, without a round trip while that channel is up).
    await deps.service.refresh("notified");
    const result = await tool.handler(parsed.data, {
      service: deps.service,
      approvals: deps.approvals,
      intake: deps.intake,
      handoffs: deps.handoffs,
      client: deps.client(),
      session,
      askHuman,
      cards: cards?.tokens,
    });
    // Security: the card's token travels in the result's _meta, which hosts hand to the view and
    // keep out of the model's context; content and structuredContent stay as for every client.
    const presented = cards === undefined ? undefined : tool.app?.presents?.(result);
    // Compact JSON: the same data as structuredContent for clients that show only text, at a
    // third of the bytes (and serialization time) of indented JSON on large pages.
    return {
      content: [{ type: "text", text: JSON.stringify(result) }],
      structuredContent: result,
      ...(presented === undefined || cards === undefined
        ? {}
        : { _meta: cards.resultMeta(presented, session) }),
    };
  } catch (error) {
    return toolErrorFrom(error, tool.name, deps.logger);
  }
}
