// Renders docs/input-limits.md from the input JSON Schemas that tools/list publishes, so the
// documented bounds are the enforced ones. test/fuzz/input-limits.test.ts fails when the page is
// stale or when any string or array input has no bound.
//
//   npx tsx scripts/input-limits.ts           rewrite docs/input-limits.md
//   npx tsx scripts/input-limits.ts --check   exit 1 when it is stale
import { resolve } from "node:path";
import { format, resolveConfig } from "prettier";
import { ARTICLE_ID_PATTERN, TICKET_ID_PATTERN, UUID_PATTERN } from "../src/domain/ids.js";
import { LIMITS } from "../src/domain/inputs.js";
import { describeTools, MAX_ARGUMENT_BYTES } from "../src/mcp/tool-runtime.js";
import { toolsFor } from "../src/mcp/tools/index.js";
import { loadWorkspace } from "../src/service/workspace.js";

/** The tools of a server on the bundled workspace. */
const { tools: TOOLS, appTools: APP_TOOLS } = toolsFor(loadWorkspace().workspace);
import { MAX_ARTICLE_BYTES } from "../src/service/knowledge.js";
import { runGeneratedDocIfMain } from "./generated-doc.js";

export const DOC_PATH = resolve(import.meta.dirname, "../docs/input-limits.md");

interface Schema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly items?: Schema;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly Schema[];
  readonly pattern?: string;
  readonly format?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly default?: unknown;
}

export interface LimitRow {
  readonly tool: string;
  readonly field: string;
  readonly type: string;
  readonly required: boolean;
  readonly bound: string;
  /** A string or array with no upper bound of its own (only the whole-call limit applies). */
  readonly unbounded: boolean;
}

// ---------- the longest string a pattern can match ----------

/**
 * The longest string an anchored pattern (`^...$`) can match, or undefined when it is unbounded
 * (`*`, `+`, `{n,}`, an unanchored pattern, or syntax this small reader does not know).
 */
export function maxMatchLength(pattern: string): number | undefined {
  if (!pattern.startsWith("^") || !pattern.endsWith("$") || pattern.endsWith("\\$")) return undefined;
  const body = pattern.slice(1, -1);
  let i = 0;
  const fail = (): never => {
    throw new Error("unsupported");
  };

  const alternation = (): number | undefined => {
    let best: number | undefined = sequence();
    while (body[i] === "|") {
      i++;
      const next = sequence();
      best = best === undefined || next === undefined ? undefined : Math.max(best, next);
    }
    return best;
  };

  const sequence = (): number | undefined => {
    let total: number | undefined = 0;
    while (i < body.length && body[i] !== "|" && body[i] !== ")") {
      const one = atom();
      const times = quantifier();
      if (one === 0) continue;
      total =
        total === undefined || one === undefined || times === undefined ? undefined : total + one * times;
    }
    return total;
  };

  const atom = (): number | undefined => {
    const c = body[i++];
    if (c === "(") {
      let zeroWidth = false;
      if (body[i] === "?") {
        const kind = body.slice(i, i + 3);
        if (kind.startsWith("?:")) i += 2;
        else if (kind.startsWith("?=") || kind.startsWith("?!")) {
          i += 2;
          zeroWidth = true;
        } else if (kind === "?<=" || kind === "?<!") {
          i += 3;
          zeroWidth = true;
        } else if (kind.startsWith("?<")) i = body.indexOf(">", i) + 1;
        else fail();
      }
      const inner = alternation();
      if (body[i++] !== ")") fail();
      return zeroWidth ? 0 : inner;
    }
    if (c === "[") {
      if (body[i] === "^") i++;
      if (body[i] === "]") i++;
      while (i < body.length && body[i] !== "]") i += body[i] === "\\" ? 2 : 1;
      if (body[i++] !== "]") fail();
      return 1;
    }
    if (c === "\\") {
      const e = body[i++];
      if (e === undefined || /[1-9k]/.test(e)) fail(); // back-references
      if (e === "b" || e === "B") return 0;
      if (e === "u") i += body[i] === "{" ? body.indexOf("}", i) - i + 1 : 4;
      else if (e === "x") i += 2;
      return 1;
    }
    if (c === "^" || c === "$") return 0;
    if (c === undefined || c === "*" || c === "+" || c === "?" || c === "{") fail();
    return 1;
  };

  /** How many times the atom may repeat, at most; undefined when without limit. */
  const quantifier = (): number | undefined => {
    const c = body[i];
    let times: number | undefined = 1;
    if (c === "*" || c === "+") {
      i++;
      times = undefined;
    } else if (c === "?") {
      i++;
    } else if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(body.slice(i));
      if (m === null) return 1; // a literal "{"
      i += m[0].length;
      times = m[2] === undefined ? Number(m[1]) : m[3] === "" ? undefined : Number(m[3]);
    }
    if (times !== 1 || c === "?") {
      if (body[i] === "?") i++; // lazy
    }
    return times;
  };

  try {
    const top = alternation();
    if (i !== body.length) return undefined;
    // A top-level "|" would leave one branch unanchored at either end.
    if (topLevelAlternation(body)) return undefined;
    return top;
  } catch {
    return undefined;
  }
}

function topLevelAlternation(body: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") inClass = true;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "|" && depth === 0) return true;
  }
  return false;
}

// ---------- rows ----------

const number = (n: number): string =>
  Number.isSafeInteger(n) && Math.abs(n) >= 1_000 ? n.toLocaleString("en-US") : String(n);

/** Names for the id patterns of src/domain/ids.ts, so the table says what the string is. */
const PATTERN_NAMES = new Map<string, string>([
  [TICKET_ID_PATTERN.source, "ticket id such as `TKT-1001`"],
  [UUID_PATTERN.source, "UUID"],
  [ARTICLE_ID_PATTERN.source, "knowledge article id (lower-case slug)"],
]);

function typeName(schema: Schema): string {
  if (schema.const !== undefined) return "constant";
  if (schema.enum !== undefined) return "enum";
  return Array.isArray(schema.type)
    ? schema.type.join(" or ")
    : ((schema.type as string | undefined) ?? "any");
}

function stringBound(schema: Schema): { bound: string; unbounded: boolean } {
  const parts: string[] = [];
  let max = schema.maxLength;
  if (schema.format === "date-time") parts.push("ISO 8601 date-time");
  else if (schema.format !== undefined) parts.push(`format ${schema.format}`);
  if (schema.pattern !== undefined) {
    const longest = maxMatchLength(schema.pattern);
    if (longest !== undefined) max = max === undefined ? longest : Math.min(max, longest);
    const named = PATTERN_NAMES.get(schema.pattern);
    if (named !== undefined) parts.push(named);
    else if (schema.format === undefined) {
      parts.push(schema.pattern.length <= 60 ? `pattern \`${schema.pattern}\`` : "a pattern");
    }
  }
  if (max === undefined) return { bound: [...parts, "**no length bound**"].join(", "), unbounded: true };
  const min = schema.minLength ?? 0;
  const length =
    schema.maxLength === undefined
      ? `≤ ${number(max)} characters (by its pattern)`
      : min > 0
        ? `${min}..${number(max)} characters`
        : `≤ ${number(max)} characters`;
  return { bound: [length, ...parts].join(", "), unbounded: false };
}

function describeValues(values: readonly unknown[]): string {
  const shown = values.map((v) => `\`${String(v)}\``);
  return shown.length <= 8 ? `one of ${shown.join(", ")}` : `one of ${shown.length} values`;
}

function collect(tool: string, path: string, schema: Schema, required: boolean, rows: LimitRow[]): void {
  const alternatives = schema.anyOf?.filter((s) => s.type !== "null");
  if (alternatives !== undefined && alternatives.length === 1 && alternatives[0] !== undefined) {
    const nullable = (schema.anyOf?.length ?? 0) > 1;
    const inner: Schema = {
      ...alternatives[0],
      ...(schema.default === undefined ? {} : { default: schema.default }),
    };
    const before = rows.length;
    collect(tool, path, inner, required, rows);
    if (nullable) {
      for (let k = before; k < rows.length; k++) {
        const row = rows[k] as LimitRow;
        if (row.field === path) rows[k] = { ...row, type: `${row.type} or null` };
      }
    }
    return;
  }
  const type = typeName(schema);
  const dflt = schema.default === undefined ? "" : ` (default ${JSON.stringify(schema.default)})`;
  const push = (bound: string, unbounded = false, shownType = type): void => {
    rows.push({ tool, field: path, type: shownType, required, bound: `${bound}${dflt}`, unbounded });
  };
  if (schema.const !== undefined) return push(`must be \`${JSON.stringify(schema.const)}\``);
  if (schema.enum !== undefined) return push(describeValues(schema.enum));
  switch (type) {
    case "object": {
      const props = schema.properties ?? {};
      const req = new Set(schema.required ?? []);
      if (path !== "") push(`${Object.keys(props).length} fields (below); unknown fields are ignored`);
      for (const [name, sub] of Object.entries(props)) {
        collect(tool, path === "" ? name : `${path}.${name}`, sub, req.has(name), rows);
      }
      return;
    }
    case "array": {
      const min = schema.minItems ?? 0;
      if (schema.maxItems === undefined) push("**no item bound**", true);
      else push(min > 0 ? `${min}..${number(schema.maxItems)} items` : `≤ ${number(schema.maxItems)} items`);
      if (schema.items !== undefined) collect(tool, `${path}[]`, schema.items, true, rows);
      return;
    }
    case "string": {
      const { bound, unbounded } = stringBound(schema);
      return push(bound, unbounded);
    }
    case "integer":
    case "number": {
      const lo = schema.minimum;
      const hi =
        schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER ? schema.maximum : undefined;
      const range =
        lo !== undefined && hi !== undefined
          ? `${number(lo)}..${number(hi)}`
          : lo !== undefined
            ? `≥ ${number(lo)}${type === "integer" ? " (safe integer)" : ""}`
            : hi !== undefined
              ? `≤ ${number(hi)}`
              : "any";
      return push(range);
    }
    case "boolean":
      return push("`true` or `false`");
    default:
      return push("any JSON value", true);
  }
}

/** One row per input field of every tool (nested fields as `a.b`, array items as `a[]`). */
export function inputLimitRows(): LimitRow[] {
  const rows: LimitRow[] = [];
  for (const tool of describeTools([...TOOLS, ...APP_TOOLS])) {
    const before = rows.length;
    collect(tool.name, "", tool.inputSchema as Schema, true, rows);
    if (rows.length === before) {
      rows.push({
        tool: tool.name,
        field: "(none)",
        type: "-",
        required: false,
        bound: "takes no arguments",
        unbounded: false,
      });
    }
  }
  return rows;
}

// ---------- the page ----------

const cell = (text: string): string => text.replace(/\|/g, "\\|");

function table(rows: readonly LimitRow[]): string {
  const lines = ["| tool | field | type | required | bound |", "|---|---|---|---|---|"];
  let previous = "";
  for (const r of rows) {
    const tool = r.tool === previous ? "" : `\`${r.tool}\``;
    previous = r.tool;
    const field = r.field === "(none)" ? "(none)" : `\`${r.field}\``;
    lines.push(`| ${tool} | ${cell(field)} | ${r.type} | ${r.required ? "yes" : "no"} | ${cell(r.bound)} |`);
  }
  return lines.join("\n");
}

export function renderMarkdown(): string {
  const kib = MAX_ARGUMENT_BYTES / 1024;
  return `# Input limits

<!-- Generated by scripts/input-limits.ts from the tools' published input schemas; do not edit.
     Run \`npx tsx scripts/input-limits.ts\` after changing an input schema. -->

Every tool argument is bounded, so no single call can make the server allocate, store or scan
more than a fixed amount. The bounds are enforced by the same zod schemas that \`tools/list\`
publishes; a call outside them is refused with \`INVALID_INPUT: <field>: <problem>\` and changes
nothing.

## The whole call

| limit | value |
| --- | --- |
| arguments of one \`tools/call\` | at most ${number(MAX_ARGUMENT_BYTES)} bytes (${kib} KiB) as UTF-8 JSON |

The size is checked before any validation or parsing of the fields: a larger call is refused at
once with \`INVALID_INPUT: arguments are <n> bytes; <tool> accepts at most ${MAX_ARGUMENT_BYTES}. Nothing was stored.\`
Arguments nested so deeply that they cannot be serialized again are refused before validation
too (\`INVALID_INPUT: arguments are not serializable JSON.\`). A 2 MB argument is refused without being stored
(\`test/fuzz/tools.fuzz.test.ts\`, \`test/hostile/process.test.ts\`).

Lengths are counted as JavaScript string length (UTF-16 code units): an emoji outside the Basic
Multilingual Plane counts as 2, a letter with a combining accent as 2. Unknown fields are dropped,
never stored. Page sizes are at most ${LIMITS.maxPageSize} and list offsets at most ${number(LIMITS.maxOffset)}
(the audit log's offset is any safe integer: it only selects a page of an existing log).

## Every field

${table(inputLimitRows())}

## Files the server reads

| input | limit or rule |
| --- | --- |
| seed file (\`TRIAGE_SEED_FILE\`) | read once, on the first start; must be a JSON array of valid tickets with unique ids, or nothing is initialized |
| knowledge article (\`TRIAGE_KNOWLEDGE_ROOT/*.md\`) | at most ${number(MAX_ARTICLE_BYTES)} bytes of UTF-8; YAML front matter only (\`---js\` and other engines are skipped with a warning); links must stay inside the directory |
| runtime directory (\`TRIAGE_DATA_ROOT\`) | may itself be a symbolic link, or lie below one (macOS \`/tmp\`); the files the store keeps in it must be regular files, not links |
`;
}

/** The page as committed: the markdown above, formatted by the repository's Prettier settings. */
export async function renderInputLimits(): Promise<string> {
  const options = (await resolveConfig(DOC_PATH)) ?? {};
  return format(renderMarkdown(), { ...options, filepath: DOC_PATH });
}

await runGeneratedDocIfMain(import.meta.url, {
  name: "input-limits",
  usage: `Usage: npx tsx scripts/input-limits.ts [--check]

Rewrites docs/input-limits.md from the tools' input schemas; exit 1 when an input has no bound.
  --check      only say whether the page is current (exit 1 when stale)
  -h, --help   show this help
`,
  path: DOC_PATH,
  render: renderInputLimits,
  messages: {
    stale: "docs/input-limits.md is stale: run `npx tsx scripts/input-limits.ts`.",
    current: "docs/input-limits.md is current.",
    unchanged: "docs/input-limits.md already current.",
    updated: "docs/input-limits.md updated.",
  },
  problems: () =>
    inputLimitRows()
      .filter((r) => r.unbounded)
      .map((r) => `unbounded input: ${r.tool} ${r.field}`),
});
