import { html, type Html } from "../../ui/review/index.js";
import type { DeskAssets } from "../assets.js";
import { live } from "./parts.js";

// The frame of every page: the head (the desk's own styles and script, nothing from anywhere
// else), the navigation with the number of pending recommendations, the reviewer and the log-out
// button. Pages for people who are not logged in get a plain frame without navigation or script.

export type Section = "dashboard" | "tickets" | "reviews" | "handoffs";

export interface Frame {
  readonly assets: DeskAssets;
  readonly title: string;
  readonly section?: Section;
  readonly reviewer: string;
  readonly csrf: string;
  /** The change mark the page was rendered at (`generation.seq`): the script polls from there. */
  readonly mark: string;
  readonly pending: number;
  readonly pollMs: number;
}

const SECTIONS: readonly { readonly id: Section; readonly label: string; readonly href: string }[] = [
  { id: "dashboard", label: "Dashboard", href: "/" },
  { id: "tickets", label: "Tickets", href: "/tickets" },
  { id: "reviews", label: "Reviews", href: "/reviews" },
  { id: "handoffs", label: "Handoffs", href: "/handoffs" },
];

function head(assets: DeskAssets, title: string, withScript: boolean): Html {
  return html`<head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light dark" />
    <title>${title} · Support triage desk</title>
    <link rel="icon" href="${assets.icon.path}" type="image/svg+xml" />
    <link rel="stylesheet" href="${assets.styles.path}" />
    ${withScript ? html`<script src="${assets.script.path}" defer></script>` : ""}
  </head>`;
}

/** A page of the desk, for a logged-in reviewer. */
export function page(frame: Frame, content: Html): string {
  const nav = SECTIONS.map((s) => {
    const current = s.id === frame.section ? html` aria-current="page"` : "";
    const badge =
      s.id === "reviews"
        ? live(
            "span",
            "nav-pending",
            html`${frame.pending}`,
            html` class="count" aria-label="${frame.pending} pending"`,
          )
        : "";
    return html`<li><a href="${s.href}" ${current}>${s.label}</a>${badge}</li>`;
  });
  return `<!doctype html>\n${
    html`<html lang="en">
      ${head(frame.assets, frame.title, true)}
      <body data-changes="/api/changes" data-mark="${frame.mark}" data-poll-ms="${frame.pollMs}">
        <header class="top">
          <a class="brand" href="/">Support triage desk</a>
          <nav aria-label="Desk">
            <ul>
              ${nav}
            </ul>
          </nav>
          <div class="who">
            <span>Reviewer: <strong class="u">${frame.reviewer}</strong> (<a href="/name">change</a>)</span>
            <form method="post" action="/logout">
              <input type="hidden" name="csrf" value="${frame.csrf}" />
              <button type="submit" class="link">Log out</button>
            </form>
          </div>
        </header>
        <main id="main">${content}</main>
      </body>
    </html>`.value
  }\n`;
}

/** A page for someone who is not (or no longer) logged in, or has not given a name yet. */
export function plainPage(assets: DeskAssets, title: string, content: Html): string {
  return `<!doctype html>\n${
    html`<html lang="en">
      ${head(assets, title, false)}
      <body>
        <main class="access">${content}</main>
      </body>
    </html>`.value
  }\n`;
}
