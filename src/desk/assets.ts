import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { REVIEW_STYLES } from "../ui/review/index.js";
import { DESK_STYLES } from "./styles.js";

// The desk's static files, served from its own origin (the Content-Security-Policy allows
// nothing else): the styles, the tab's icon, and the browser script (client/desk.js, plain JavaScript, copied
// next to this module into dist/ by `npm run build`). Their URLs carry a hash of their content,
// so a browser may keep them (they hold no data) and never runs a stale copy.

/** The browser script beside this module (src/desk/client or dist/desk/client). */
export const CLIENT_SCRIPT_FILE = fileURLToPath(new URL("./client/desk.js", import.meta.url));

export interface Asset {
  readonly path: string;
  readonly type: string;
  readonly body: string;
}

function asset(name: string, extension: string, type: string, body: string): Asset {
  const hash = createHash("sha256").update(body).digest("hex").slice(0, 12);
  return { path: `/assets/${name}-${hash}.${extension}`, type, body };
}

export interface DeskAssets {
  readonly styles: Asset;
  readonly script: Asset;
  readonly icon: Asset;
}

/** A tick in a rounded square: the tab's icon (a browser asks for one; this keeps it local). */
const ICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1d1d1b"/>' +
  '<path d="M9 16.5l4.5 4.5L23 11" fill="none" stroke="#8fd6a4" stroke-width="3.5" stroke-linecap="round" stroke-linejoin="round"/></svg>';

/** Reads the script once, at start: a desk without it would still work, but never refresh. */
export function loadAssets(scriptFile: string = CLIENT_SCRIPT_FILE): DeskAssets {
  let script: string;
  try {
    script = readFileSync(scriptFile, "utf8");
  } catch {
    throw new Error(`The desk's browser script is missing (${scriptFile}). Run \`npm run build\` again.`);
  }
  return {
    styles: asset("desk", "css", "text/css; charset=utf-8", `${DESK_STYLES}${REVIEW_STYLES}`),
    script: asset("desk", "js", "text/javascript; charset=utf-8", script),
    icon: asset("desk", "svg", "image/svg+xml", ICON),
  };
}
