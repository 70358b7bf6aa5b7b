import type { ApprovableField } from "./enums.js";
import { maskSecrets } from "./secrets/index.js";

// How a reviewer reads values, the same in a form, a terminal or a page: pure text functions.
// Ticket text is untrusted, so secret-like values are masked and nothing can fake a new line.

/** A value as a reviewer reads it; secret-like text is masked (tickets are customer-written). */
export function formatValue(field: ApprovableField, value: unknown): string {
  if (value === null || value === undefined) {
    if (field === "assignee") return "unassigned";
    return field === "customerResponse" ? "(none)" : "(unset)";
  }
  if (Array.isArray(value)) return value.length === 0 ? "(none)" : value.map(String).join(", ");
  const text = maskSecrets(typeof value === "string" ? value : JSON.stringify(value)).text;
  return field === "customerResponse" ? `"${text}"` : text;
}

// Control characters, line and paragraph separators, and bidi overrides.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;

/**
 * One line, no control characters, at most `max` characters. Ticket text is untrusted: it must
 * not be able to fake extra lines or options in a form or a terminal.
 */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(UNSAFE, " ").replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, Math.max(0, max - 1))}…` : flat;
}
