import { LIMITS } from "../../domain/limits.js";
import { html } from "../../ui/review/index.js";
import type { DeskAssets } from "../assets.js";
import { plainPage } from "./layout.js";

// The pages around a session: how to log in, the reviewer's name, logged out, and errors.

const TERMINAL =
  "Open the login link the desk printed in the terminal where it runs (`support-triage-mcp desk`). " +
  "Each link works once and for a few minutes; a new one is printed there when the last one is used up or expired.";

export function loginNeededPage(assets: DeskAssets, reason: "none" | "expired" | "link"): string {
  const why =
    reason === "link"
      ? "This login link is used up, expired or unknown."
      : reason === "expired"
        ? "Your session has ended (logged out, idle too long, or the desk restarted)."
        : "You are not logged in to this desk.";
  return plainPage(
    assets,
    "Log in",
    html`<h1>Log in to the desk</h1>
      <p>${why}</p>
      <p>${TERMINAL}</p>`,
  );
}

export function namePage(
  assets: DeskAssets,
  csrf: string,
  current: string | undefined,
  next: string,
  problem?: string,
): string {
  return plainPage(
    assets,
    "Your name",
    html`<h1>Who is reviewing?</h1>
      <p>Your name is recorded in the audit log with every decision you make in this session.</p>
      ${problem === undefined ? "" : html`<p class="notice danger" role="alert">${problem}</p>`}
      <form method="post" action="/name">
        <input type="hidden" name="csrf" value="${csrf}" />
        <input type="hidden" name="next" value="${next}" />
        <label for="reviewer-name">Your name</label>
        <input
          id="reviewer-name"
          name="reviewer"
          autocomplete="name"
          required
          maxlength="${LIMITS.actor}"
          value="${current ?? ""}"
        />
        <button type="submit" class="primary">Continue</button>
      </form>`,
  );
}

export function loggedOutPage(assets: DeskAssets): string {
  return plainPage(
    assets,
    "Logged out",
    html`<h1>Logged out</h1>
      <p>This session has ended; its cookie no longer opens the desk.</p>
      <p>${TERMINAL}</p>`,
  );
}

export function errorPage(assets: DeskAssets, title: string, message: string): string {
  return plainPage(
    assets,
    title,
    html`<h1>${title}</h1>
      <p class="u">${message}</p>
      <p><a href="/">Back to the dashboard</a></p>`,
  );
}
