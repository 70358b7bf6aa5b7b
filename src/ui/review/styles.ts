// The review form's styles. Colours, fonts and radii come from the host's standard MCP Apps
// variables when it passes them (--color-*, --font-*, --border-radius-*), with our own light and
// dark fallbacks otherwise; `color-scheme` (set from the host's theme) picks the side of each
// light-dark() pair. Laid out for narrow panes first (320 px), wider where there is room.

export const REVIEW_STYLES = `
:root { color-scheme: light dark; }
:root[data-theme="light"] { color-scheme: light; }
:root[data-theme="dark"] { color-scheme: dark; }
.rc {
  --rc-bg: var(--color-background-primary, light-dark(#ffffff, #1d1d1b));
  --rc-bg2: var(--color-background-secondary, light-dark(#f4f3ef, #282825));
  --rc-fg: var(--color-text-primary, light-dark(#1d1d1b, #f0efe9));
  --rc-fg2: var(--color-text-secondary, light-dark(#5c5b55, #b9b7ae));
  --rc-line: var(--color-border-primary, light-dark(#d6d4cc, #44433e));
  --rc-danger: var(--color-text-danger, light-dark(#a3161b, #ff9a8f));
  --rc-danger-bg: var(--color-background-danger, light-dark(#fdecea, #3d1a17));
  --rc-warn: var(--color-text-warning, light-dark(#8a5300, #f3c26b));
  --rc-warn-bg: var(--color-background-warning, light-dark(#fff4dc, #3a2c10));
  --rc-ok: var(--color-text-success, light-dark(#1d6b36, #8fd6a4));
  --rc-ok-bg: var(--color-background-success, light-dark(#e7f6ec, #14321e));
  --rc-info-bg: var(--color-background-info, light-dark(#eaf1fb, #1b2a40));
  --rc-btn: var(--color-background-inverse, light-dark(#1d1d1b, #f0efe9));
  --rc-btn-fg: var(--color-text-inverse, light-dark(#ffffff, #1d1d1b));
  --rc-ring: var(--color-ring-primary, light-dark(#3b6fd8, #8fb1ff));
  --rc-radius: var(--border-radius-md, 8px);
  --rc-mono: var(--font-mono, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace);
  box-sizing: border-box;
  margin: 0;
  padding: 14px;
  max-width: 780px;
  background: var(--rc-bg);
  color: var(--rc-fg);
  font-family: var(--font-sans, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
  font-size: var(--font-text-sm-size, 14px);
  line-height: var(--font-text-sm-line-height, 1.45);
}
.rc *, .rc *::before, .rc *::after { box-sizing: inherit; }
.rc-u { overflow-wrap: anywhere; unicode-bidi: isolate; }
.rc-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.rc-muted { color: var(--rc-fg2); }
.rc-kicker { margin: 0 0 4px; color: var(--rc-fg2); font-size: 12px; letter-spacing: .02em; }
.rc-title { margin: 0 0 10px; font-size: var(--font-heading-sm-size, 17px); line-height: 1.3; font-weight: var(--font-weight-semibold, 600); }
.rc-id, .rc code { font-family: var(--rc-mono); font-size: .92em; }
.rc-title .rc-id { color: var(--rc-fg2); margin-right: 4px; }
.rc-facts { display: grid; grid-template-columns: 1fr; gap: 4px 16px; margin: 0 0 12px; }
.rc-facts div { display: flex; gap: 8px; min-width: 0; }
.rc-facts dt { flex: 0 0 96px; color: var(--rc-fg2); }
.rc-facts dd { margin: 0; min-width: 0; }
.rc-badge, .rc-tag { display: inline-block; padding: 0 7px; border-radius: var(--border-radius-full, 999px); font-size: 12px; line-height: 20px; border: 1px solid var(--rc-line); background: var(--rc-bg2); white-space: nowrap; }
.rc-sla-breached, .rc-kind-security { color: var(--rc-danger); background: var(--rc-danger-bg); border-color: transparent; }
.rc-sla-at-risk, .rc-kind-injection { color: var(--rc-warn); background: var(--rc-warn-bg); border-color: transparent; }
.rc-sla-healthy { color: var(--rc-ok); background: var(--rc-ok-bg); border-color: transparent; }
.rc-kind-outage { color: var(--rc-warn); background: var(--rc-warn-bg); border-color: transparent; }
.rc-tag-vip { font-weight: 600; }
.rc-notice, .rc-outcome { margin: 0 0 12px; padding: 10px 12px; border-radius: var(--rc-radius); }
.rc-outcome p { margin: 0 0 4px; }
.rc-outcome p:last-child { margin-bottom: 0; }
.rc-danger { color: var(--rc-fg); background: var(--rc-danger-bg); border-left: 4px solid var(--rc-danger); }
.rc-warn { color: var(--rc-fg); background: var(--rc-warn-bg); border-left: 4px solid var(--rc-warn); }
.rc-ok { color: var(--rc-fg); background: var(--rc-ok-bg); border-left: 4px solid var(--rc-ok); }
.rc-fields { margin: 0 0 12px; padding: 0; border: 0; min-width: 0; }
.rc-fields .rc-hint { margin: 0 0 8px; }
.rc-fields legend, .rc-sec h2 { padding: 0; margin: 0 0 6px; font-size: 13px; font-weight: var(--font-weight-semibold, 600); text-transform: uppercase; letter-spacing: .04em; color: var(--rc-fg2); }
.rc-sec h2 .rc-muted { text-transform: none; letter-spacing: 0; font-weight: normal; }
.rc-fields ul, .rc-list { list-style: none; margin: 0; padding: 0; }
.rc-row { display: flex; gap: 10px; align-items: flex-start; padding: 8px 10px; margin-bottom: 6px; border: 1px solid var(--rc-line); border-radius: var(--rc-radius); background: var(--rc-bg); }
.rc-row-flag { border-color: var(--rc-danger); box-shadow: inset 4px 0 0 var(--rc-danger); }
.rc-row input { margin: 3px 0 0; width: 18px; height: 18px; flex: 0 0 auto; accent-color: var(--rc-btn); }
.rc-row-body { min-width: 0; flex: 1; }
.rc-fname { font-weight: var(--font-weight-semibold, 600); font-family: var(--rc-mono); cursor: pointer; }
.rc-change { margin: 2px 0 0; }
.rc-change-long .rc-new { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 4; overflow: hidden; margin-top: 2px; }
.rc-now { color: var(--rc-fg2); }
.rc-new { font-weight: var(--font-weight-medium, 500); }
.rc-arrow { color: var(--rc-fg2); margin: 0 4px; }
.rc-flag, .rc-flag-inline { color: var(--rc-danger); }
.rc-flag, .rc-note { margin: 4px 0 0; font-size: 12.5px; }
.rc-note { color: var(--rc-fg2); }
.rc-sec { margin: 0 0 12px; padding-top: 10px; border-top: 1px solid var(--rc-line); }
.rc-sec p { margin: 0 0 6px; }
.rc-list li { margin: 0 0 6px; overflow-wrap: anywhere; }
.rc-quote { display: block; margin: 4px 0 2px; padding: 4px 8px; border-left: 3px solid var(--rc-line); background: var(--rc-bg2); font-family: var(--rc-mono); font-size: 12.5px; quotes: none; }
.rc-effect { display: block; color: var(--rc-fg2); font-size: 12.5px; }
.rc-conf { font-variant-numeric: tabular-nums; font-weight: 600; }
.rc-hint { color: var(--rc-fg2); font-size: 12.5px; }
.rc textarea, .rc input[type="text"], .rc input:not([type]) { display: block; width: 100%; padding: 7px 9px; border: 1px solid var(--rc-line); border-radius: var(--rc-radius); background: var(--rc-bg); color: var(--rc-fg); font: inherit; }
.rc textarea { resize: vertical; }
.rc input[readonly] { background: var(--rc-bg2); }
.rc-inputs label { display: block; margin: 8px 0 4px; font-weight: var(--font-weight-medium, 500); }
.rc-sec h2 label { font: inherit; }
.rc-actions { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 12px; }
.rc button { padding: 8px 14px; border-radius: var(--rc-radius); border: 1px solid var(--rc-btn); font: inherit; font-weight: var(--font-weight-semibold, 600); cursor: pointer; }
.rc-primary { background: var(--rc-btn); color: var(--rc-btn-fg); }
.rc-secondary { background: transparent; color: var(--rc-fg); border-color: var(--rc-line) !important; }
.rc button:disabled, .rc input:disabled, .rc textarea:disabled { opacity: .55; cursor: not-allowed; }
.rc :focus-visible { outline: 2px solid var(--rc-ring); outline-offset: 2px; }
.rc [aria-invalid="true"] { border-color: var(--rc-danger); }
.rc-status:not(:empty) { margin-top: 12px; }
.rc-audit { color: var(--rc-fg2); font-size: 12.5px; font-family: var(--rc-mono); }
@media (min-width: 520px) {
  .rc { padding: 18px 20px; }
}
@media (min-width: 680px) {
  .rc-facts { grid-template-columns: 1fr 1fr; }
}
`;
