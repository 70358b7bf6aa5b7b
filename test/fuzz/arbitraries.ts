import fc from "fast-check";
import { TICKET_ID_PATTERN, ARTICLE_ID_PATTERN, UUID_PATTERN } from "../../src/domain/ids.js";

// Argument generators for the tool fuzzer. Valid arguments are derived from each tool's
// published JSON Schema (so a new tool is covered without writing anything), then mutated with
// values chosen to break parsers, limits, path handling and prototype handling.

/** The subset of JSON Schema that z.toJSONSchema emits for our inputs. */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly pattern?: string;
  readonly format?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
}

/** Ids that exist in the runtime under test, so mutated calls also reach the service's checks. */
export interface KnownIds {
  readonly ticketIds: readonly string[];
  readonly articleIds: readonly string[];
  readonly recommendationIds: readonly string[];
  /** Known-good arguments by tool name, so mutations also start from calls that get deep. */
  readonly examples: ReadonlyMap<string, readonly Record<string, unknown>[]>;
}

const TEXTS = ["triage-agent", "reviewer@example.com", "Gateway errors in Frankfurt", "Refund the duplicate"];

function stringArb(schema: JsonSchema, ids: KnownIds): fc.Arbitrary<string> {
  const pattern = schema.pattern;
  if (pattern === TICKET_ID_PATTERN.source) {
    return fc.oneof(fc.constantFrom(...ids.ticketIds), fc.stringMatching(TICKET_ID_PATTERN));
  }
  if (pattern === UUID_PATTERN.source) {
    const known = ids.recommendationIds.length > 0 ? [fc.constantFrom(...ids.recommendationIds)] : [];
    return fc.oneof(...known, fc.uuid());
  }
  if (pattern === ARTICLE_ID_PATTERN.source) {
    return fc.oneof(fc.constantFrom(...ids.articleIds), fc.stringMatching(ARTICLE_ID_PATTERN));
  }
  if (schema.format === "date-time") {
    return fc
      .date({
        min: new Date("2000-01-01T00:00:00Z"),
        max: new Date("2100-01-01T00:00:00Z"),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString());
  }
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.min(schema.maxLength ?? 60, 60);
  if (pattern !== undefined) {
    return fc
      .stringMatching(new RegExp(pattern))
      .filter((s) => s.length >= minLength && s.length <= maxLength);
  }
  return fc.oneof(
    fc.constantFrom(...TEXTS).filter((s) => s.length >= minLength && s.length <= maxLength),
    fc.string({ minLength: Math.max(1, minLength), maxLength: Math.max(1, maxLength), unit: "grapheme" }),
  );
}

function typeOf(schema: JsonSchema): string | undefined {
  return Array.isArray(schema.type)
    ? (schema.type[0] as string | undefined)
    : (schema.type as string | undefined);
}

/** Arguments that satisfy `schema` (mostly: refinements such as "not blank" are not in the schema). */
export function validArb(schema: JsonSchema, ids: KnownIds): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives !== undefined) return fc.oneof(...alternatives.map((s) => validArb(s, ids)));
  switch (typeOf(schema)) {
    case "string":
      return stringArb(schema, ids);
    case "integer": {
      // Real revisions and page numbers are small: stay near the lower bound.
      const min = schema.minimum ?? 0;
      const max = Math.min(schema.maximum ?? min + 10, min + 10);
      return fc.oneof(fc.integer({ min, max: Math.min(max, min + 4) }), fc.integer({ min, max }));
    }
    case "number":
      return fc.double({
        min: schema.minimum ?? schema.exclusiveMinimum ?? -1e6,
        max: schema.maximum ?? schema.exclusiveMaximum ?? 1e6,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array":
      return fc.array(schema.items === undefined ? fc.jsonValue() : validArb(schema.items, ids), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 5, 5),
      });
    case "object": {
      const properties = schema.properties ?? {};
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, sub] of Object.entries(properties)) shape[key] = validArb(sub, ids);
      return fc.record(shape, { requiredKeys: [...(schema.required ?? [])] });
    }
    default:
      return fc.jsonValue();
  }
}

// ---------- hostile values ----------

/** 100,000 characters: inside the whole-call budget, far over every field limit. */
export const LONG_STRING = "x".repeat(100_000);
/** About 300 KB of UTF-8 (150,000 two-byte characters): over the whole-call budget. */
export const HUGE_STRING = "\u00e9".repeat(150_000);

function nested(depth: number): unknown {
  let value: unknown = "leaf";
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** An object whose own keys are __proto__, constructor and prototype, as JSON.parse builds it. */
export function hostileKeysObject(): Record<string, unknown> {
  return JSON.parse(
    '{"__proto__":{"polluted":"yes","isAdmin":true},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"},"toString":"x","hasOwnProperty":1}',
  ) as Record<string, unknown>;
}

export const BOUNDARY_NUMBERS: readonly number[] = [
  -1,
  0,
  -0,
  1,
  0.5,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  2 ** 53,
  2 ** 53 + 2,
  1e308,
  -1e308,
  Number.MIN_VALUE,
  1.0000000001,
  51,
  10_001,
];

export const NUMBER_STRINGS: readonly string[] = [
  "NaN",
  "Infinity",
  "-Infinity",
  "-0",
  "1e308",
  "0x10",
  "1",
  " 2",
  "",
];

export const UNICODE_STRINGS: readonly string[] = [
  "\u202Eevil\u202C", // right-to-left override
  "\u200F\u200E", // RTL / LTR marks
  "\u200B", // zero-width space
  "TKT-3001\u200B",
  "\u2066isolate\u2069",
  "\uFEFF",
  "\u{1F469}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}", // family emoji (ZWJ sequence)
  "\u{1F525}".repeat(60),
  `e${"\u0301".repeat(400)}`, // stacked combining marks
  "\uD800", // unpaired high surrogate
  "\uDFFF", // unpaired low surrogate
  "a\uD83Db",
  "\uDC00\uD800",
  "\u0000",
  "\u0000TKT-3001",
  "line\nbreak\r\n",
  "\u2028\u2029",
  "\uFF34\uFF2B\uFF34-\uFF13\uFF10\uFF10\uFF11", // full-width TKT-3001
  "TKT\u20113001", // non-breaking hyphen
  "\u0130\u00DF\u212A",
  " ",
  "",
];

export const PATH_AND_URL_STRINGS: readonly string[] = [
  "../../etc/passwd",
  "TKT-1001/../x",
  "TKT-3001/../../store.json",
  "..\\..\\windows\\win.ini",
  "/etc/passwd",
  "file:///etc/passwd",
  "file:///",
  "http://x",
  "https://169.254.169.254/latest/meta-data/",
  "store.json",
  "audit.jsonl",
  "journal/1.json",
  "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
  "~/.ssh/id_rsa",
  "\\\\?\\C:\\Windows",
  "TKT-3001?x=1",
  "TKT-3001#frag",
  "NUL",
  "tkt-3001",
  " TKT-3001",
  "TKT-3001 ",
  "TKT-99999999999",
];

export const INJECTION_STRINGS: readonly string[] = [
  "__proto__",
  "constructor",
  "prototype",
  "${process.exit(1)}",
  "{{constructor.constructor('return process')()}}",
  "'; DROP TABLE tickets; --",
  "<script>alert(1)</script>",
  "---js\nprocess.exit(1)\n---",
];

/** Values to put where a schema expects something else. Large ones are built lazily, once. */
export function hostileValueArb(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...BOUNDARY_NUMBERS) },
    { weight: 2, arbitrary: fc.constantFrom(...NUMBER_STRINGS) },
    { weight: 4, arbitrary: fc.constantFrom(...UNICODE_STRINGS) },
    { weight: 4, arbitrary: fc.constantFrom(...PATH_AND_URL_STRINGS) },
    { weight: 2, arbitrary: fc.constantFrom(...INJECTION_STRINGS) },
    { weight: 2, arbitrary: fc.constantFrom<unknown>(null, true, false, {}, [], [null], [[]], { a: {} }) },
    { weight: 1, arbitrary: fc.constant(null).map(() => hostileKeysObject()) },
    {
      weight: 2,
      arbitrary: fc.constantFrom<unknown>(
        LONG_STRING,
        HUGE_STRING,
        new Array<string>(10_000).fill("x"),
        new Array<string>(10_000).fill("category"),
        new Array<unknown>(10_000).fill({ ticketId: "TKT-3001", confidence: 0.5, evidence: "same" }),
        nested(1_000),
      ),
    },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
}

/** Keys to add to an argument object: prototype-related, look-alikes and random. */
export function hostileKeyArb(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom("__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty"),
    fc.constantFrom(
      "escalationReasons",
      "requiredTeam",
      "revision",
      "resolution",
      "id",
      "status",
      "approved",
    ),
    fc.string({ maxLength: 20 }),
  );
}

interface Mutation {
  readonly op: "set" | "delete" | "nest";
  readonly key: string;
  readonly value: unknown;
}

/**
 * Schema-shaped (or known-good) arguments with 0..3 fields replaced by hostile values, removed,
 * or a hostile value planted one level down (inside the first element of an array of objects),
 * plus optionally extra hostile keys. Most have at least one mutation.
 */
export function mutatedArgsArb(
  name: string,
  schema: JsonSchema,
  ids: KnownIds,
): fc.Arbitrary<Record<string, unknown>> {
  const examples = ids.examples.get(name) ?? [];
  const base =
    examples.length > 0
      ? fc.oneof(validArb(schema, ids), fc.constantFrom(...examples))
      : validArb(schema, ids);
  const names = Object.keys(schema.properties ?? {});
  const keyArb = names.length > 0 ? fc.oneof(fc.constantFrom(...names), hostileKeyArb()) : hostileKeyArb();
  const mutation: fc.Arbitrary<Mutation> = fc.record({
    op: fc.constantFrom<Mutation["op"]>("set", "set", "set", "delete", "nest"),
    key: keyArb,
    value: hostileValueArb(),
  });
  return fc
    .tuple(
      base,
      fc.oneof(
        { weight: 1, arbitrary: fc.constant([]) },
        { weight: 6, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) },
      ),
      fc.boolean(),
    )
    .map(([valid, mutations, withHostileKeys]) => {
      // JSON round trip: the copy is what a client's JSON text would parse to.
      const args = JSON.parse(JSON.stringify(valid ?? {})) as Record<string, unknown>;
      for (const m of mutations) apply(args, m);
      if (withHostileKeys) Object.assign(args, hostileKeysObject());
      return args;
    });
}

function apply(args: Record<string, unknown>, m: Mutation): void {
  if (m.op === "delete") {
    delete args[m.key];
    return;
  }
  const current = args[m.key];
  if (m.op === "nest" && Array.isArray(current) && typeof current[0] === "object" && current[0] !== null) {
    // Copies, never edits: the element may belong to a shared hostile constant.
    const first = { ...(current[0] as Record<string, unknown>) };
    const inner = Object.keys(first)[0] ?? "x";
    Object.defineProperty(first, inner, {
      value: m.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    args[m.key] = [first, ...(current as unknown[]).slice(1)];
    return;
  }
  // defineProperty, so "__proto__" becomes an own key exactly as JSON.parse would make it.
  Object.defineProperty(args, m.key, {
    value: m.value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** Arbitrary JSON objects whose keys are partly the tool's own field names. */
export function randomArgsArb(schema: JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  const names = Object.keys(schema.properties ?? {});
  const key = names.length > 0 ? fc.oneof(fc.constantFrom(...names), hostileKeyArb()) : hostileKeyArb();
  return fc.oneof(
    fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 }),
    fc.dictionary(key, hostileValueArb(), { maxKeys: 4 }),
    fc.object({ maxDepth: 2 }).map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>),
  );
}
