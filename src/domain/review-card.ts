import type { ReviewPacket } from "./review-packet.js";

// The review card (an MCP Apps view) and the server agree on these names: the server publishes
// them, the card's script reads them. Declared once, here, for both.

export const REVIEW_CARD = {
  /** The `ui://` resource holding the card's HTML. */
  uri: "ui://support-triage/review-card.html",
  /** The key of a presenting tool result's `_meta` that carries the card's data to the card. */
  metaKey: "support-triage/card",
  /** Reopens the card for a pending recommendation (model and card). */
  reviewTool: "review_recommendation",
  /** The card's buttons (card only). */
  decideTool: "decide_recommendation",
} as const;

/**
 * What a presenting tool result carries to the card in `_meta[REVIEW_CARD.metaKey]`. Hosts pass a
 * result's `_meta` to the view and, per the MCP Apps specification, not to the model's context.
 */
export interface ReviewCardData {
  readonly packet: ReviewPacket;
  /** Single use, for this recommendation at `packet.ticket.revision`, on this connection. */
  readonly token: string;
  readonly expiresAt: string;
}
