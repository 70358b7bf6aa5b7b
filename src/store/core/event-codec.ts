import { createHash } from "node:crypto";
import { auditEventSchema, type AuditEvent } from "../../domain/audit-events.js";

// The audit log's wire format. A line is the JSON of the event with its keys in one fixed order
// and `hash` last; the hash covers the line without `hash`. Because the order is fixed, a
// verifier re-serializes the parsed event and compares it byte for byte with the stored line:
// any edit (a value, an extra key, a reordering) shows up.

/** prevHash of the seq-0 event. */
export const GENESIS_HASH = "0".repeat(64);

/** Key order of a serialized event (and of the hashed body, which is the same minus `hash`). */
export const EVENT_KEY_ORDER = [
  "seq",
  "id",
  "timestamp",
  "action",
  "ticketId",
  "actor",
  "channel",
  "recommendationId",
  "fromRevision",
  "toRevision",
  "changes",
  "reason",
  "data",
  "prevHash",
] as const;
const KNOWN_KEYS: ReadonlySet<string> = new Set<string>([...EVENT_KEY_ORDER, "hash"]);

export type UnhashedEvent = Omit<AuditEvent, "hash">;

export function sha256Hex(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The canonical JSON of an event without its hash. */
export function canonicalBody(event: UnhashedEvent): string {
  const ordered: Record<string, unknown> = {};
  for (const key of EVENT_KEY_ORDER) {
    const value = event[key];
    if (value === undefined) continue;
    ordered[key] =
      key === "changes"
        ? (value as NonNullable<AuditEvent["changes"]>).map((c) => ({
            field: c.field,
            before: c.before,
            after: c.after,
          }))
        : key === "channel"
          ? canonicalChannel(value as NonNullable<AuditEvent["channel"]>)
          : value;
  }
  return JSON.stringify(ordered);
}

// Nested objects take the schema's key order, the order a parsed event has, so that a draft
// built with its keys in another order still re-serializes to the line it was stored as.
function canonicalChannel(channel: NonNullable<AuditEvent["channel"]>): object {
  const { type, client } = channel;
  return client === undefined ? { type } : { type, client: { name: client.name, version: client.version } };
}

export function hashOfBody(prevHash: string, body: string): string {
  return sha256Hex(`${prevHash}\n${body}`);
}

/** The line (without "\n") and hash of an event. */
export function encodeEvent(event: UnhashedEvent): { line: string; hash: string } {
  const body = canonicalBody(event);
  const hash = hashOfBody(event.prevHash, body);
  // body always ends with "}" and has at least the seq key, so the splice is safe.
  return { line: `${body.slice(0, -1)},"hash":${JSON.stringify(hash)}}`, hash };
}

/** Names keys of a draft or event that the canonical form would silently drop. */
export function unknownKeys(value: object): string[] {
  return Object.keys(value).filter((k) => !KNOWN_KEYS.has(k));
}

export type DecodeProblem = "unparseable" | "invalid" | "altered";
export type DecodeResult =
  | { readonly ok: true; readonly event: AuditEvent }
  | { readonly ok: false; readonly problem: DecodeProblem; readonly detail: string; readonly seq?: number };

function seqOf(raw: unknown): number | undefined {
  if (typeof raw === "object" && raw !== null && "seq" in raw) {
    const seq = raw.seq;
    if (typeof seq === "number" && Number.isInteger(seq)) return seq;
  }
  return undefined;
}

/**
 * Parses and checks one stored line: JSON, the zod schema and the event's own hash. Chain checks
 * (seq order, prevHash) are the caller's, who knows the predecessor.
 *
 * "strict" re-serializes the event and requires the stored line to be exactly its canonical
 * form. "fast" (used when folding the log into memory) hashes the stored bytes instead, which
 * saves a serialization per event and is as tamper-evident: changing any byte breaks the hash
 * either way, and forging needs a re-hash either way. Only strict also rejects a line that was
 * re-hashed after a cosmetic change (key order, spacing), so verification uses strict.
 */
export function decodeLine(text: string, mode: "strict" | "fast" = "strict"): DecodeResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: "unparseable", detail: `not JSON (${(error as Error).message})` };
  }
  const seq = seqOf(raw);
  const withSeq = seq === undefined ? {} : { seq };
  const parsed = auditEventSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? "" : ` at ${issue.path.join(".")}`;
    return {
      ok: false,
      problem: "invalid",
      detail: `the event does not match the audit event schema${where}: ${issue?.message ?? "unknown problem"}`,
      ...withSeq,
    };
  }
  const event = parsed.data;
  if (mode === "fast") {
    const suffix = `,"hash":"${event.hash}"}`;
    if (!text.endsWith(suffix)) {
      return { ok: false, problem: "altered", detail: "the event's hash is not its last key", ...withSeq };
    }
    if (hashOfBody(event.prevHash, `${text.slice(0, text.length - suffix.length)}}`) !== event.hash) {
      return {
        ok: false,
        problem: "altered",
        detail: "the event's hash does not match its content",
        ...withSeq,
      };
    }
    return { ok: true, event };
  }
  const { hash: _stored, ...unhashed } = event;
  const encoded = encodeEvent(unhashed);
  if (encoded.hash !== event.hash) {
    return {
      ok: false,
      problem: "altered",
      detail: "the event's hash does not match its content",
      ...withSeq,
    };
  }
  if (encoded.line !== text) {
    return {
      ok: false,
      problem: "altered",
      detail: "the event is not in canonical form (a key was added, removed or reordered after hashing)",
      ...withSeq,
    };
  }
  return { ok: true, event };
}
