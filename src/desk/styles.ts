// The desk's styles, served from its own origin with the review form's (REVIEW_STYLES): system
// fonts only (nothing is fetched), light and dark from the reader's preference (light-dark()),
// laid out for narrow screens first. The same palette as the review card.

export const DESK_STYLES = `
:root {
  color-scheme: light dark;
  --bg: light-dark(#ffffff, #1d1d1b);
  --bg2: light-dark(#f4f3ef, #282825);
  --bg3: light-dark(#ebe9e2, #33332f);
  --fg: light-dark(#1d1d1b, #f0efe9);
  --fg2: light-dark(#5c5b55, #b9b7ae);
  --line: light-dark(#d6d4cc, #44433e);
  --danger: light-dark(#a3161b, #ff9a8f);
  --danger-bg: light-dark(#fdecea, #3d1a17);
  --warn: light-dark(#8a5300, #f3c26b);
  --warn-bg: light-dark(#fff4dc, #3a2c10);
  --ok: light-dark(#1d6b36, #8fd6a4);
  --ok-bg: light-dark(#e7f6ec, #14321e);
  --bar-breached: light-dark(#c0392b, #e0685c);
  --bar-at-risk: light-dark(#d98e04, #e8b04a);
  --bar-healthy: light-dark(#3f8f5a, #6cc08a);
  --link: light-dark(#1f4fb5, #9dbaff);
  --ring: light-dark(#3b6fd8, #8fb1ff);
  --radius: 8px;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; background: var(--bg); color: var(--fg); }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--link); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible { outline: 2px solid var(--ring); outline-offset: 2px; }
code, .mono { font-family: var(--mono); font-size: .92em; }
.u { overflow-wrap: anywhere; unicode-bidi: isolate; }
.muted { color: var(--fg2); }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }

.top { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; padding: 10px 16px; border-bottom: 1px solid var(--line); background: var(--bg2); }
.brand { font-weight: 700; margin-right: 8px; color: var(--fg); text-decoration: none; }
.top nav ul { display: flex; flex-wrap: wrap; gap: 4px 14px; list-style: none; margin: 0; padding: 0; }
.top nav a { text-decoration: none; color: var(--fg); padding: 2px 0; border-bottom: 2px solid transparent; }
.top nav a[aria-current="page"] { border-bottom-color: var(--fg); font-weight: 600; }
.count { display: inline-block; min-width: 20px; padding: 0 6px; margin-left: 4px; border-radius: 999px; background: var(--bg3); font-size: 12px; text-align: center; font-variant-numeric: tabular-nums; }
.who { margin-left: auto; display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
.who form { margin: 0; }

main { padding: 16px; max-width: 1200px; margin: 0 auto; }
h1 { font-size: 20px; margin: 4px 0 14px; }
h2 { font-size: 15px; margin: 22px 0 8px; }
.lede { color: var(--fg2); margin: -8px 0 14px; }

button, .button { display: inline-block; padding: 7px 13px; border-radius: var(--radius); border: 1px solid var(--line); background: var(--bg); color: var(--fg); font: inherit; font-weight: 600; cursor: pointer; text-decoration: none; }
button.primary { background: var(--fg); color: var(--bg); border-color: var(--fg); }
button.link { border: 0; background: none; padding: 0; color: var(--link); font-weight: normal; text-decoration: underline; }
input, select, textarea { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: var(--radius); padding: 6px 8px; max-width: 100%; }

.notice { margin: 0 0 14px; padding: 10px 12px; border-radius: var(--radius); background: var(--bg2); border-left: 4px solid var(--line); }
.notice.danger { background: var(--danger-bg); border-left-color: var(--danger); }
.notice.warn { background: var(--warn-bg); border-left-color: var(--warn); }
.notice p { margin: 0 0 4px; }
.notice p:last-child { margin-bottom: 0; }

.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(132px, 1fr)); gap: 10px; margin: 0 0 8px; padding: 0; list-style: none; }
.stat { display: block; padding: 10px 12px; border: 1px solid var(--line); border-radius: var(--radius); background: var(--bg); color: var(--fg); text-decoration: none; }
.stat .n { display: block; font-size: 26px; font-weight: 700; font-variant-numeric: tabular-nums; line-height: 1.2; }
.stat .l { color: var(--fg2); }
.stat.danger .n { color: var(--danger); }
.stat.warn .n { color: var(--warn); }

.panels { display: grid; grid-template-columns: 1fr; gap: 0 28px; }
.panels > * { min-width: 0; }
@media (min-width: 900px) { .panels { grid-template-columns: 1fr 1fr; } }

.chart { width: 100%; max-width: 560px; height: auto; display: block; }
.chart text { fill: var(--fg); font: 12px system-ui, sans-serif; }
.chart .n { fill: var(--fg2); font-variant-numeric: tabular-nums; }
.bar-breached { fill: var(--bar-breached); }
.bar-at-risk { fill: var(--bar-at-risk); }
.bar-healthy { fill: var(--bar-healthy); }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 6px 0 0; padding: 0; list-style: none; color: var(--fg2); font-size: 12.5px; }
.legend li::before { content: ""; display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; background: var(--swatch); }
.legend .k-breached { --swatch: var(--bar-breached); }
.legend .k-at-risk { --swatch: var(--bar-at-risk); }
.legend .k-healthy { --swatch: var(--bar-healthy); }
.tally { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 0; padding: 0; list-style: none; }

.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: var(--radius); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
tbody tr:last-child td, tbody tr:last-child th { border-bottom: 0; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--fg2); background: var(--bg2); font-weight: 600; white-space: nowrap; }
tbody th { text-transform: none; letter-spacing: 0; font-size: inherit; color: var(--fg); background: none; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.subject { min-width: 220px; }
td.id { white-space: nowrap; }

.badge { display: inline-block; padding: 0 7px; border-radius: 999px; font-size: 12px; line-height: 20px; border: 1px solid var(--line); background: var(--bg2); white-space: nowrap; }
.badge.sla-breached, .badge.h-failed { color: var(--danger); background: var(--danger-bg); border-color: transparent; }
.badge.sla-at-risk, .badge.h-in-flight, .badge.h-pending { color: var(--warn); background: var(--warn-bg); border-color: transparent; }
.badge.sla-healthy, .badge.h-delivered { color: var(--ok); background: var(--ok-bg); border-color: transparent; }

.filters { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 8px 12px; margin: 0 0 14px; padding: 12px; border: 1px solid var(--line); border-radius: var(--radius); background: var(--bg2); }
.filters label { display: block; font-size: 12.5px; color: var(--fg2); margin-bottom: 3px; }
.filters select, .filters input { width: 100%; }
.filters .actions { display: flex; gap: 8px; align-items: end; }
.summary { margin: 0 0 8px; color: var(--fg2); }
.pager { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: center; margin: 12px 0; }

.facts { display: grid; grid-template-columns: 1fr; gap: 4px 20px; margin: 0 0 8px; }
@media (min-width: 640px) { .facts { grid-template-columns: 1fr 1fr; } }
.facts.one { grid-template-columns: 1fr; }
.facts div { display: flex; gap: 8px; min-width: 0; }
.facts dt { flex: 0 0 120px; color: var(--fg2); }
.facts dd { margin: 0; min-width: 0; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; unicode-bidi: isolate; margin: 0; padding: 10px 12px; background: var(--bg2); border-radius: var(--radius); font: inherit; }
.plain { list-style: none; margin: 0; padding: 0; }
.plain > li { padding: 8px 0; border-bottom: 1px solid var(--line); }
.plain > li:last-child { border-bottom: 0; }
.timeline .head { display: flex; flex-wrap: wrap; gap: 2px 10px; }
.timeline .seq { font-family: var(--mono); color: var(--fg2); }
.changes { margin: 4px 0 0; padding-left: 18px; }
.changes li { overflow-wrap: anywhere; }

.review { margin: 0 0 22px; border: 1px solid var(--line); border-radius: var(--radius); overflow: hidden; }
.review .rc { max-width: none; }
.stale { margin: 0; padding: 8px 12px; background: var(--warn-bg); border-bottom: 1px solid var(--line); }
.stale button { margin-left: 8px; }
.gone { opacity: .6; }

.access { max-width: 460px; margin: 10vh auto; padding: 20px; border: 1px solid var(--line); border-radius: var(--radius); }
.access h1 { margin-top: 0; }
.access label { display: block; margin: 10px 0 4px; font-weight: 600; }
.access input { width: 100%; }
.access button { margin-top: 12px; }
`;
