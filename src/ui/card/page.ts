// The review card's page: one self-contained HTML file (hosts sandbox it, and it must work
// offline), its script and styles inline and pinned by a Content-Security-Policy that allows
// exactly them by hash, no network and no form posts. Assembled at build time (scripts/build-card.ts).

/** The page around the review form. */
export const PAGE_STYLES = `
html, body { margin: 0; padding: 0; background: var(--color-background-primary, light-dark(#ffffff, #1d1d1b)); }
.rc-loading { margin: 0; padding: 16px; font: 14px/1.45 system-ui, sans-serif; color: var(--color-text-secondary, light-dark(#5c5b55, #b9b7ae)); }
`;

export interface CardPageParts {
  readonly script: string;
  readonly styles: string;
  /** base64 SHA-256 of `script` and of `styles`, for the Content-Security-Policy. */
  readonly scriptHash: string;
  readonly styleHash: string;
}

export function cardPage(parts: CardPageParts): string {
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${parts.scriptHash}'`,
    `style-src 'sha256-${parts.styleHash}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    "<title>Review card</title>",
    `<style>${parts.styles}</style>`,
    "</head>",
    "<body>",
    '<main id="card"><p class="rc-loading">Waiting for the recommendation…</p></main>',
    `<script>${parts.script}</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
