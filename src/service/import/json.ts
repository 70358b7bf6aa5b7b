import { SourceTextError } from "./source.js";

// JSON exports: an array of records, or an object whose `tickets` member is that array. The
// records are parsed with JSON.parse; a second, linear pass finds the line each record starts
// on, so a bad record is reported by line like a CSV row.

export interface JsonRecord {
  readonly line: number;
  /** 0-based position in the array. */
  readonly index: number;
  readonly value: unknown;
}

/** Line (1-based) of the character at `offset`. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  let i = text.indexOf("\n");
  while (i !== -1 && i < offset) {
    line++;
    i = text.indexOf("\n", i + 1);
  }
  return line;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

/** End of the JSON string starting at `i` (after its closing quote), or -(offset of the error) - 1. */
function scanString(text: string, i: number): number {
  let k = i + 1;
  while (k < text.length) {
    const c = text.charCodeAt(k);
    if (c === 0x22) return k + 1;
    if (c === 0x5c) {
      ESCAPE.lastIndex = k;
      if (!ESCAPE.test(text)) return -k - 1;
      k = ESCAPE.lastIndex;
    } else if (c < 0x20) return -k - 1;
    else k++;
  }
  return -text.length - 1;
}

/**
 * Offset of the first syntax error in `text` (JSON.parse does not always say where). Iterative,
 * so deep nesting cannot overflow the stack; only run once JSON.parse has failed.
 */
export function jsonErrorOffset(text: string): number {
  const stack: number[] = []; // 0x7b { or 0x5b [
  let state: "value" | "value-or-close" | "key" | "key-or-close" | "colon" | "after" = "value";
  let i = 0;
  const n = text.length;
  for (;;) {
    while (i < n && /[ \t\r\n]/.test(text[i] as string)) i++;
    if (i >= n) return state === "after" && stack.length === 0 ? -1 : n;
    const c = text.charCodeAt(i);
    switch (state) {
      case "value":
      case "value-or-close":
        if (state === "value-or-close" && c === 0x5d) {
          stack.pop();
          state = "after";
          i++;
        } else if (c === 0x7b || c === 0x5b) {
          stack.push(c);
          state = c === 0x7b ? "key-or-close" : "value-or-close";
          i++;
        } else if (c === 0x22) {
          const end = scanString(text, i);
          if (end < 0) return -end - 1;
          i = end;
          state = "after";
        } else {
          NUMBER.lastIndex = i;
          const literal = ["true", "false", "null"].find((w) => text.startsWith(w, i));
          if (literal !== undefined) i += literal.length;
          else if (NUMBER.test(text)) i = NUMBER.lastIndex;
          else return i;
          state = "after";
        }
        break;
      case "key":
      case "key-or-close":
        if (state === "key-or-close" && c === 0x7d) {
          stack.pop();
          state = "after";
          i++;
        } else if (c === 0x22) {
          const end = scanString(text, i);
          if (end < 0) return -end - 1;
          i = end;
          state = "colon";
        } else return i;
        break;
      case "colon":
        if (c !== 0x3a) return i;
        state = "value";
        i++;
        break;
      case "after": {
        const top = stack[stack.length - 1];
        if (top === undefined) return i;
        if (c === 0x2c) state = top === 0x7b ? "key" : "value";
        else if (c === (top === 0x7b ? 0x7d : 0x5d)) stack.pop();
        else return i;
        i++;
        break;
      }
    }
  }
}

function syntaxError(text: string, error: unknown): SourceTextError {
  const message = error instanceof Error ? error.message : String(error);
  const offset = jsonErrorOffset(text);
  const line = offset < 0 ? 1 : lineOf(text, offset);
  const where = offset < 0 ? "" : ` (line ${line}, column ${offset - text.lastIndexOf("\n", offset - 1)})`;
  return new SourceTextError(line, `the file is not valid JSON${where}: ${message}`);
}

/**
 * Start lines of the elements of the records array: the top-level array, or the array under
 * the top-level key `tickets`. One pass over the text, tracking strings and nesting.
 */
function elementLines(text: string, wrapped: boolean): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  // Inside the records array, at this depth; -1 until it is entered.
  let arrayDepth = -1;
  let expectValue = false;
  let lastKey: string | undefined;
  let keyCandidate: string | undefined;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      line++;
      continue;
    }
    if (c === 0x20 || c === 0x09 || c === 0x0d) continue;
    if (arrayDepth !== -1 && depth === arrayDepth && expectValue && c !== 0x5d /* ] */) {
      lines.push(line);
      expectValue = false;
    }
    if (c === 0x22 /* " */) {
      const startString = i;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i += 2;
        else if (d === 0x22) break;
        else {
          if (d === 0x0a) line++;
          i++;
        }
      }
      if (wrapped && depth === 1) keyCandidate = text.slice(startString + 1, i);
      continue;
    }
    if (c === 0x3a /* : */) {
      if (depth === 1) lastKey = keyCandidate;
      continue;
    }
    if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      depth++;
      if (arrayDepth === -1 && c === 0x5b) {
        if ((!wrapped && depth === 1) || (wrapped && depth === 2 && lastKey === "tickets")) {
          arrayDepth = depth;
          expectValue = true;
        }
      }
      continue;
    }
    if (c === 0x5d || c === 0x7d) {
      if (depth === arrayDepth) arrayDepth = -2; // done: later arrays are not records
      depth--;
      continue;
    }
    if (c === 0x2c /* , */ && depth === arrayDepth) expectValue = true;
  }
  return lines;
}

/** The records of a JSON export, each with the line it starts on. */
export function parseJsonRecords(text: string): JsonRecord[] {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw syntaxError(text, error);
  }
  let records: unknown[];
  let wrapped = false;
  if (Array.isArray(root)) records = root;
  else if (
    typeof root === "object" &&
    root !== null &&
    Array.isArray((root as { tickets?: unknown }).tickets)
  ) {
    records = (root as { tickets: unknown[] }).tickets;
    wrapped = true;
  } else {
    throw new SourceTextError(
      1,
      'the file is neither a JSON array of records nor an object with a "tickets" array',
    );
  }
  const lines = elementLines(text, wrapped);
  return records.map((value, index) => ({ line: lines[index] ?? 1, index, value }));
}
