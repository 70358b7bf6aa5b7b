import { z } from "zod";

// Prefix of 2..10 upper-case letters/digits starting with a letter, then 1..9 digits:
// TKT-1001, TKT-000042 and ZD-48213 are all valid; "../etc/passwd" is not.
export const TICKET_ID_PATTERN = /^[A-Z][A-Z0-9]{1,9}-\d{1,9}$/;
// Knowledge article ids are file-stem slugs.
export const ARTICLE_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$/;
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const ticketIdSchema = z
  .string()
  .regex(TICKET_ID_PATTERN, "ticket ids look like TKT-1001: a letter prefix, a dash and 1-9 digits");
export const articleIdSchema = z
  .string()
  .regex(ARTICLE_ID_PATTERN, "knowledge article ids are lower-case slugs such as api-errors");
export const uuidSchema = z.string().regex(UUID_PATTERN, "expected a UUID");

/** Orders ticket ids by prefix, then numerically (TKT-9 before TKT-10). */
export function compareTicketIds(a: string, b: string): number {
  const da = a.lastIndexOf("-");
  const db = b.lastIndexOf("-");
  const pa = a.slice(0, da);
  const pb = b.slice(0, db);
  if (pa !== pb) return pa < pb ? -1 : 1;
  const na = Number(a.slice(da + 1));
  const nb = Number(b.slice(db + 1));
  if (na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}
