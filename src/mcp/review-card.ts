import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type {
  EXTENSION_ID,
  RESOURCE_MIME_TYPE,
  RESOURCE_URI_META_KEY,
} from "@modelcontextprotocol/ext-apps/server";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ErrorCode, McpError, type ClientCapabilities } from "@modelcontextprotocol/sdk/types.js";
import { REVIEW_CARD, type ReviewCardData } from "../domain/review-card.js";
import type { Logger } from "../logging.js";
import type { ApprovalService } from "../service/approval-service.js";
import type { CardTokens } from "../service/card-tokens.js";
import { mcpErrorFrom } from "./errors.js";
import type { ToolAppRole } from "./tool.js";

// The review card on the MCP side: whether a client shows it, the `ui://` resource, the `_meta`
// of the tools that present or decide it, and the card data a presenting result carries.
//
// The extension's constants are typed against @modelcontextprotocol/ext-apps but not imported as
// values: its server module costs about 60 ms at every start (it builds the App protocol's
// schemas), paid even by clients without MCP Apps, and its registerAppTool wraps McpServer's
// tool registry, which our tools-as-data runtime does not use. test/mcp/review-card.test.ts
// checks these values against the library's.

export const UI_EXTENSION: typeof EXTENSION_ID = "io.modelcontextprotocol/ui";
export const CARD_MIME_TYPE: typeof RESOURCE_MIME_TYPE = "text/html;profile=mcp-app";
/** Older hosts read the flat key; the helpers of ext-apps set both, and so do we. */
const LEGACY_RESOURCE_URI_KEY: typeof RESOURCE_URI_META_KEY = "ui/resourceUri";

// The extension's types as far as we use them (ext-apps' declaration files re-export theirs through
// paths NodeNext does not resolve, so they cannot be imported from here).
interface UiClientCapabilities {
  readonly mimeTypes?: readonly string[];
}
interface UiToolMeta {
  readonly resourceUri: string;
  readonly visibility?: readonly ("model" | "app")[];
}

/** The built card: one self-contained HTML file (`npm run build`), published in dist/. */
export const CARD_HTML_FILE = fileURLToPath(new URL("../../dist/ui/review-card.html", import.meta.url));

/** True when the client declared MCP Apps with the HTML view type: it renders the card. */
export function showsCards(capabilities: ClientCapabilities | undefined): boolean {
  const ui = capabilities?.extensions?.[UI_EXTENSION] as UiClientCapabilities | undefined;
  return Array.isArray(ui?.mimeTypes) && ui.mimeTypes.includes(CARD_MIME_TYPE);
}

/** A tool's `_meta` in tools/list, for clients that show the card. */
export function cardToolMeta(role: ToolAppRole): Record<string, unknown> {
  const ui: UiToolMeta = {
    resourceUri: REVIEW_CARD.uri,
    ...(role.appOnly === true ? { visibility: ["app"] } : {}),
  };
  return { ui, [LEGACY_RESOURCE_URI_KEY]: REVIEW_CARD.uri };
}

/**
 * The `_meta` of a result that presents a recommendation: the review packet and a fresh card
 * token for it, at the ticket's current revision, on this connection.
 */
export function cardResultMeta(
  approvals: ApprovalService,
  tokens: CardTokens,
  recommendationId: string,
  session: string,
): Record<string, unknown> {
  const packet = approvals.review(recommendationId);
  const { token, expiresAt } = tokens.issue({ recommendationId, revision: packet.ticket.revision, session });
  const data: ReviewCardData = { packet, token, expiresAt };
  return { [REVIEW_CARD.metaKey]: data };
}

/** Reads the built card once; a missing build is a clear error, not a crash. */
export function cardHtmlLoader(file: string = CARD_HTML_FILE): () => string {
  let html: string | undefined;
  return () => {
    if (html !== undefined) return html;
    try {
      html = readFileSync(file, "utf8");
    } catch {
      throw new McpError(
        ErrorCode.InternalError,
        `The review card is not built (${file} is missing). Run \`npm run build\` and restart the server.`,
      );
    }
    return html;
  };
}

const CARD_RESOURCE_META = { ui: { prefersBorder: true } };

/** Registers the card's `ui://` resource (call it only for clients that show cards). */
export function registerReviewCard(server: McpServer, html: () => string, logger: Logger): void {
  server.registerResource(
    "review_card",
    REVIEW_CARD.uri,
    {
      title: "Review card",
      description:
        "The reviewer's approval card for a triage recommendation (MCP Apps view): fields now and proposed, one " +
        "checkbox each, evidence, the draft reply, Approve selected fields and Reject with feedback.",
      mimeType: CARD_MIME_TYPE,
      _meta: CARD_RESOURCE_META,
    },
    (uri) => {
      try {
        return {
          contents: [{ uri: uri.href, mimeType: CARD_MIME_TYPE, text: html(), _meta: CARD_RESOURCE_META }],
        };
      } catch (error) {
        throw mcpErrorFrom(error, uri.href, logger);
      }
    },
  );
}
