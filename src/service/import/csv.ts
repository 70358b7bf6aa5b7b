// An RFC 4180 CSV reader, fed chunk by chunk so a large export is never one string in memory.
//
// Accepted beyond the RFC, because real helpdesk exports do it: LF or lone CR line ends as well
// as CRLF, a UTF-8 byte order mark (stripped by the caller's decoder), and blank lines (returned
// as a record of one empty field; the caller skips them). Not accepted: a quote inside an
// unquoted field, text after a closing quote, and a quoted field that is never closed. Those are
// reported on the record (with the line it starts on) instead of guessed at, because an import
// is all-or-nothing and a guess would silently shift columns.
//
// The delimiter is a comma, a semicolon (spreadsheets in locales whose decimal mark is a comma
// export that) or a tab: given, or detected from the header line (see chooseDelimiter).

export interface CsvRecord {
  /** Physical line (1-based) the record starts on. */
  readonly line: number;
  readonly fields: string[];
  /** Why the record is malformed; its fields are then best effort. */
  readonly error?: string;
}

export const CSV_DELIMITERS = { comma: ",", semicolon: ";", tab: "\t" } as const;
export type CsvDelimiter = keyof typeof CSV_DELIMITERS;

/** Which delimiter a file was read with, and how it was chosen. */
export interface DelimiterChoice {
  readonly delimiter: CsvDelimiter;
  /** option: --delimiter; detected: the most frequent on the header line; default: none there. */
  readonly by: "option" | "detected" | "default";
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

const enum State {
  /** At the start of a field. */
  FieldStart,
  /** Inside an unquoted field. */
  Unquoted,
  /** Inside a quoted field. */
  Quoted,
  /** Saw a quote inside a quoted field: an escaped quote ("") or the closing one. */
  QuoteInQuoted,
  /** After the closing quote of a field: only a separator or a line end may follow. */
  AfterQuoted,
}

export class CsvParser {
  /** The delimiter's char code (a comma unless told otherwise). */
  private readonly separator: number;
  private state = State.FieldStart;
  /** The current field's text so far (parts from earlier chunks). */
  private field = "";
  private fields: string[] = [];
  private line = 1;
  private recordLine = 1;
  /** Line where the open quoted field started (for the "never closed" report). */
  private quoteLine = 1;
  /** The previous chunk ended with CR: a LF at the start of the next one belongs to it. */
  private pendingCr = false;
  /** The previous chunk ended with CR inside a quoted field. */
  private quotedCr = false;
  private error: string | undefined;
  private out: CsvRecord[] = [];

  constructor(delimiter: CsvDelimiter = "comma") {
    this.separator = CSV_DELIMITERS[delimiter].charCodeAt(0);
  }

  /** Feeds the next chunk of text; returns the records it completed. */
  push(chunk: string): CsvRecord[] {
    let i = 0;
    const n = chunk.length;
    if (n === 0) return [];
    if (this.pendingCr) {
      // The previous chunk ended a record with CR: a LF here completes that CRLF.
      this.pendingCr = false;
      if (chunk.charCodeAt(0) === LF) i = 1;
    }
    if (this.quotedCr) {
      // The previous chunk ended with CR inside a quoted field: a line break of its own unless
      // this chunk starts with the LF of a CRLF (counted below).
      this.quotedCr = false;
      if (chunk.charCodeAt(0) !== LF) this.line++;
    }
    // `start` marks where the current field's text begins in this chunk (-1: none pending).
    let start = this.state === State.Unquoted || this.state === State.Quoted ? i : -1;
    const sep = this.separator;
    while (i < n) {
      const c = chunk.charCodeAt(i);
      switch (this.state) {
        case State.FieldStart:
          if (c === QUOTE) {
            this.state = State.Quoted;
            this.quoteLine = this.line;
            start = i + 1;
          } else if (c === sep) {
            this.fields.push("");
          } else if (c === LF || c === CR) {
            this.fields.push("");
            i = this.endOfLine(chunk, i, c);
            this.endRecord();
            continue;
          } else {
            this.state = State.Unquoted;
            start = i;
          }
          i++;
          break;

        case State.Unquoted: {
          // Fast path: run to the next character that matters.
          let j = i;
          let d = c;
          while (j < n) {
            d = chunk.charCodeAt(j);
            if (d === sep || d === LF || d === CR || d === QUOTE) break;
            j++;
          }
          if (j === n) {
            i = n;
            break;
          }
          if (d === QUOTE) {
            this.fail(`a quote inside an unquoted field (field ${this.fields.length + 1})`);
            i = j + 1; // kept as text
            break;
          }
          this.fields.push(this.field + chunk.slice(start, j));
          this.field = "";
          start = -1;
          this.state = State.FieldStart;
          if (d === sep) {
            i = j + 1;
          } else {
            i = this.endOfLine(chunk, j, d);
            this.endRecord();
          }
          break;
        }

        case State.Quoted: {
          const q = chunk.indexOf('"', i);
          const end = q === -1 ? n : q;
          // Count line breaks inside the quoted text (CRLF and lone CR count once each).
          for (let k = i; k < end; k++) {
            const e = chunk.charCodeAt(k);
            if (e === LF) this.line++;
            else if (e === CR) {
              if (k + 1 === n) this.quotedCr = true;
              else if (chunk.charCodeAt(k + 1) !== LF) this.line++;
            }
          }
          if (q === -1) {
            i = n;
            break;
          }
          this.field += chunk.slice(start, q);
          start = -1;
          this.state = State.QuoteInQuoted;
          i = q + 1;
          break;
        }

        case State.QuoteInQuoted:
          if (c === QUOTE) {
            // An escaped quote: "" stands for ".
            this.field += '"';
            this.state = State.Quoted;
            start = i + 1;
            i++;
          } else {
            this.state = State.AfterQuoted;
          }
          break;

        case State.AfterQuoted:
          if (c === sep) {
            this.fields.push(this.field);
            this.field = "";
            this.state = State.FieldStart;
            i++;
          } else if (c === LF || c === CR) {
            this.fields.push(this.field);
            this.field = "";
            this.state = State.FieldStart;
            i = this.endOfLine(chunk, i, c);
            this.endRecord();
          } else {
            this.fail(`text after the closing quote of field ${this.fields.length + 1}`);
            // Keep the rest as part of the field, as an unquoted continuation.
            this.state = State.Unquoted;
            start = i;
          }
          break;
      }
    }
    // Carry the unfinished field's text over to the next chunk.
    if (start !== -1 && start < n && (this.state === State.Unquoted || this.state === State.Quoted)) {
      this.field += chunk.slice(start, n);
    }
    const done = this.out;
    this.out = [];
    return done;
  }

  /** Ends the input: returns the last record (if the file does not end with a line break). */
  end(): CsvRecord[] {
    this.pendingCr = false;
    this.quotedCr = false;
    switch (this.state) {
      case State.FieldStart:
        // A trailing separator leaves an empty last field; a clean line end leaves nothing.
        if (this.fields.length > 0) {
          this.fields.push("");
          this.endRecord();
        }
        break;
      case State.Unquoted:
      case State.QuoteInQuoted:
      case State.AfterQuoted:
        this.fields.push(this.field);
        this.field = "";
        this.endRecord();
        break;
      case State.Quoted:
        this.fail(`a quoted field opened on line ${this.quoteLine} is never closed`);
        this.fields.push(this.field);
        this.field = "";
        this.endRecord();
        break;
    }
    this.state = State.FieldStart;
    const done = this.out;
    this.out = [];
    return done;
  }

  /** Consumes a line break starting at `i` (CR, LF or CRLF); returns the index after it. */
  private endOfLine(chunk: string, i: number, c: number): number {
    this.line++;
    if (c === CR) {
      if (i + 1 < chunk.length) return chunk.charCodeAt(i + 1) === LF ? i + 2 : i + 1;
      this.pendingCr = true;
    }
    return i + 1;
  }

  private fail(reason: string): void {
    this.error ??= reason;
  }

  private endRecord(): void {
    const record: CsvRecord =
      this.error === undefined
        ? { line: this.recordLine, fields: this.fields }
        : { line: this.recordLine, fields: this.fields, error: this.error };
    this.out.push(record);
    this.fields = [];
    this.error = undefined;
    this.recordLine = this.line;
  }
}

/**
 * The first non-blank line's delimiter counts outside quotes, or undefined while that line is not
 * complete (`final`: the text is the whole file).
 */
export function headerDelimiterCounts(
  text: string,
  final: boolean,
): Record<CsvDelimiter, number> | undefined {
  const counts: Record<CsvDelimiter, number> = { comma: 0, semicolon: 0, tab: 0 };
  let quoted = false;
  let content = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === "\n" || c === "\r") {
      if (content) return counts;
    } else if (c === ",") counts.comma++;
    else if (c === ";") counts.semicolon++;
    else if (c === "\t") counts.tab++;
    if (c !== "\n" && c !== "\r" && c !== " ") content = true;
  }
  return final ? counts : undefined;
}

/**
 * The delimiter to read with: the one given, else the one the header line uses most outside
 * quotes. No candidate there: a comma (a one-column file). A tie: undefined, so the caller asks
 * for --delimiter instead of guessing (a wrong guess would shift every column).
 */
export function chooseDelimiter(
  given: CsvDelimiter | undefined,
  counts: Readonly<Record<CsvDelimiter, number>>,
): DelimiterChoice | undefined {
  if (given !== undefined) return { delimiter: given, by: "option" };
  const ranked = (Object.keys(counts) as CsvDelimiter[]).sort((a, b) => counts[b] - counts[a]);
  const [first, second] = ranked as [CsvDelimiter, CsvDelimiter];
  if (counts[first] === 0) return { delimiter: "comma", by: "default" };
  if (counts[first] === counts[second]) return undefined;
  return { delimiter: first, by: "detected" };
}

/** A --delimiter value: a name (comma, semicolon, tab) or the character itself ("\t" for tab). */
export function parseDelimiter(text: string): CsvDelimiter | undefined {
  const value = text === "\t" || text === "\\t" ? "tab" : text.toLowerCase();
  if (Object.hasOwn(CSV_DELIMITERS, value)) return value as CsvDelimiter;
  return (Object.keys(CSV_DELIMITERS) as CsvDelimiter[]).find((d) => CSV_DELIMITERS[d] === text);
}

const CHOSEN_BY: Record<DelimiterChoice["by"], string> = {
  option: "given with --delimiter",
  detected: "detected from the header line",
  default: "the default: the header line has no comma, semicolon or tab",
};

/** "semicolon (detected from the header line)", for the import report. */
export function describeDelimiter(choice: DelimiterChoice): string {
  return `${choice.delimiter} (${CHOSEN_BY[choice.by]})`;
}
