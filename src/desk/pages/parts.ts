import { createHash } from "node:crypto";
import { html, Html } from "../../ui/review/index.js";

// Small pieces every desk page is made of. All markup goes through `html` (ui/review/html.ts),
// which escapes every value: ticket text never becomes markup.

/**
 * A region the browser script may refresh on its own: `id` names it on every render of the page,
 * `data-version` changes exactly when its content does.
 */
export function live(tag: "div" | "section" | "span", id: string, content: Html, attributes?: Html): Html {
  const version = createHash("sha256").update(content.value).digest("base64url").slice(0, 16);
  // The tag is one of three names above, never data.
  const name = new Html(tag);
  return html`<${name} id="${id}" data-live data-version="${version}"${attributes ?? ""}>${content}</${name}>`;
}

/** The path and query of a desk URL, with the parameters that have a value. */
export function hrefOf(path: string, params: Readonly<Record<string, string | number | undefined>>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") query.set(name, String(value));
  }
  const text = query.toString();
  return text === "" ? path : `${path}?${text}`;
}

export function ticketLink(id: string): Html {
  return html`<a class="mono" href="/tickets/${encodeURIComponent(id)}">${id}</a>`;
}

export function slaBadge(state: string): Html {
  return html`<span class="badge sla-${state}">${state}</span>`;
}

export function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** "Page 2 of 7" with previous and next links; `hrefFor(page)` builds each page's URL. */
export function pager(
  pageNumber: number,
  pages: number,
  hrefFor: (page: number) => string,
  label: string,
): Html {
  if (pages <= 1) return html``;
  return html`<nav class="pager" aria-label="${label}">
    ${pageNumber > 1 ? html`<a href="${hrefFor(1)}">First</a> <a href="${hrefFor(pageNumber - 1)}" rel="prev">Previous</a>` : ""}
    <span>Page ${count(pageNumber)} of ${count(pages)}</span>
    ${pageNumber < pages ? html`<a href="${hrefFor(pageNumber + 1)}" rel="next">Next</a> <a href="${hrefFor(pages)}">Last</a>` : ""}
  </nav>`;
}

/** A page number from a query parameter: a positive integer, else 1. */
export function pageParam(value: string | null): number {
  const n = Number(value ?? "1");
  return Number.isSafeInteger(n) && n >= 1 ? n : 1;
}

/** `<option>`s for a select, `chosen` selected, with a first option for "any". */
export function options(values: readonly string[], chosen: string | undefined, any: string): Html {
  // A value the URL names but the list no longer offers stays visible as chosen.
  const all = chosen === undefined || values.includes(chosen) ? values : [...values, chosen];
  return html`<option value="">${any}</option>
    ${all.map((v) => html`<option value="${v}" ${v === chosen ? html` selected` : ""}>${v}</option>`)}`;
}

/** A header cell: its text, and a class when the column is aligned apart (numbers). */
export type Column = string | { readonly label: string; readonly className: string };

/** A scrollable table with a caption for screen readers and one header row. */
export function dataTable(caption: string, columns: readonly Column[], rows: readonly Html[]): Html {
  return html`<div class="table-wrap">
    <table>
      <caption class="sr">
        ${caption}
      </caption>
      <thead>
        <tr>
          ${columns.map((c) =>
            typeof c === "string"
              ? html`<th scope="col">${c}</th>`
              : html`<th scope="col" class="${c.className}">${c.label}</th>`,
          )}
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </div>`;
}

/** Which page a listing from `offset` is, and how many pages `total` items fill (at least one). */
export function pageOf(total: number, offset: number, perPage: number): { number: number; pages: number } {
  return { number: Math.floor(offset / perPage) + 1, pages: Math.max(1, Math.ceil(total / perPage)) };
}
