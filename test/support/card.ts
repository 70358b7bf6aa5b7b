import { EXTENSION_ID, RESOURCE_MIME_TYPE } from "@modelcontextprotocol/ext-apps/server";
import type { CallToolResult, ClientCapabilities } from "@modelcontextprotocol/sdk/types.js";
import { REVIEW_CARD, type ReviewCardData } from "../../src/domain/review-card.js";

// What a client that shows MCP Apps declares, with the extension's own constants, and the card
// data a presenting result carries to the card.

export const UI_CAPABILITIES: ClientCapabilities = {
  extensions: { [EXTENSION_ID]: { mimeTypes: [RESOURCE_MIME_TYPE] } },
};

export const HOST = { name: "test-host", version: "2.3.4" };

/** The card data in a result's `_meta`, or undefined. */
export function cardOf(result: CallToolResult): ReviewCardData | undefined {
  return result._meta?.[REVIEW_CARD.metaKey] as ReviewCardData | undefined;
}
