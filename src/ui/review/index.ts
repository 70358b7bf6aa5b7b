// The review packet rendered for people: the review card (MCP Apps) and the reviewer desk share
// this markup and these styles. Pure functions over domain data; no DOM, no I/O.
export { escapeHtml, html, Html } from "./html.js";
export { FORM_DATA, renderReviewForm, when, type ReviewFormOptions } from "./render.js";
export { renderDecision, type DecisionView } from "./outcome.js";
export { REVIEW_STYLES } from "./styles.js";
