import { foldKey, type Workspace } from "../../domain/workspace/index.js";

// How the values of a helpdesk export become ours. Every table is keyed by the folded form of
// the value (lower case, separators as single spaces), so "On-Hold", "on_hold" and "ON HOLD"
// are one key. The tables come from the workspace: each id, and the aliases the file gives it.
// A value no table knows is reported, never guessed.

export { foldKey };

function table(entries: Readonly<Record<string, readonly string[]>>): ReadonlyMap<string, string> {
  const map = new Map<string, string>();
  for (const [to, froms] of Object.entries(entries)) {
    map.set(foldKey(to), to);
    for (const from of froms) map.set(foldKey(from), to);
  }
  return map;
}

/** The value tables of an import, per field, from the workspace's ids and aliases. */
export interface ImportValues {
  readonly status: ReadonlyMap<string, string>;
  readonly priority: ReadonlyMap<string, string>;
  readonly category: ReadonlyMap<string, string>;
  readonly team: ReadonlyMap<string, string>;
  readonly plan: ReadonlyMap<string, string>;
}

export function importValuesFor(workspace: Workspace): ImportValues {
  return {
    status: table(workspace.aliases.statuses),
    priority: table(workspace.aliases.priorities),
    category: table(workspace.aliases.categories),
    team: table(workspace.aliases.teams),
    plan: table(workspace.aliases.plans),
  };
}

const TRUE_VALUES = new Set(["true", "yes", "y", "1", "vip", "x"]);
const FALSE_VALUES = new Set(["false", "no", "n", "0"]);

/** true / false, or undefined for a value that is neither. */
export function parseBoolean(value: string): boolean | undefined {
  const key = foldKey(value);
  if (TRUE_VALUES.has(key)) return true;
  if (FALSE_VALUES.has(key)) return false;
  return undefined;
}

export type ParsedDate = { readonly date: Date; readonly assumedUtc: boolean } | { readonly error: string };

const ISO_LIKE =
  /^(\d{4})[-/](\d{2})[-/](\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;
const RFC_2822 =
  /^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{2}:\d{2}(?::\d{2})?\s*(?:[+-]\d{4}|GMT|UTC|Z)$/;
const EPOCH_SECONDS = /^\d{10}$/;
const EPOCH_MILLIS = /^\d{13}$/;

function offsetMinutes(zone: string): number {
  const upper = zone.toUpperCase();
  if (upper === "Z" || upper === "UTC" || upper === "GMT") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  return sign * (hours * 60 + minutes);
}

const UNPARSABLE = (raw: string): string =>
  `unparsable date "${raw.length > 40 ? `${raw.slice(0, 40)}...` : raw}" (use ISO 8601, such as 2024-03-15T10:00:00Z)`;

/**
 * ISO 8601 dates and date-times (also with a space or slashes: "2024-03-15 10:00"), RFC 2822
 * ("Fri, 15 Mar 2024 10:00:00 +0000") and Unix epoch seconds or milliseconds. A date or
 * date-time without a zone is taken as UTC (`assumedUtc`). Day-month orders such as 03/04/2024 are
 * ambiguous and refused.
 */
export function parseDate(raw: string): ParsedDate {
  const text = raw.trim();
  if (EPOCH_SECONDS.test(text)) return { date: new Date(Number(text) * 1000), assumedUtc: false };
  if (EPOCH_MILLIS.test(text)) return { date: new Date(Number(text)), assumedUtc: false };
  const m = ISO_LIKE.exec(text);
  if (m !== null) {
    const [, y, mo, d, h, mi, s, frac, zone] = m;
    const year = Number(y);
    const month = Number(mo);
    const day = Number(d);
    const hour = h === undefined ? 0 : Number(h);
    const minute = mi === undefined ? 0 : Number(mi);
    const second = s === undefined ? 0 : Number(s);
    const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
    const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
    const check = new Date(utc);
    // Date.UTC rolls 2024-02-30 over to March: a real calendar date survives the round trip.
    if (
      check.getUTCFullYear() !== year ||
      check.getUTCMonth() !== month - 1 ||
      check.getUTCDate() !== day ||
      hour > 23 ||
      minute > 59 ||
      second > 59
    ) {
      return { error: `"${text}" is not a calendar date-time` };
    }
    const offset = zone === undefined ? 0 : offsetMinutes(zone);
    if (year < 1970) return { error: `"${text}" is before 1970` };
    return { date: new Date(utc - offset * 60_000), assumedUtc: zone === undefined };
  }
  if (RFC_2822.test(text)) {
    const ms = Date.parse(text);
    if (Number.isFinite(ms)) return { date: new Date(ms), assumedUtc: false };
  }
  return { error: UNPARSABLE(text) };
}
