import {
  chooseDelimiter,
  CsvParser,
  headerDelimiterCounts,
  type CsvDelimiter,
  type CsvRecord,
  type DelimiterChoice,
} from "./csv.js";
import { parseJsonRecords } from "./json.js";
import { readSourceText, SourceTextError, type SourceRead } from "./source.js";

// Both export formats become one shape before mapping: named columns and rows of raw values,
// each row with the line it starts on.

/** A cell: text, or a list (tags given as a JSON array). Absent cells are undefined. */
export type RawValue = string | readonly string[];

export interface RawRow {
  readonly line: number;
  readonly values: readonly (RawValue | undefined)[];
  /** The row is malformed (CSV syntax, ragged, not an object); it is reported, not mapped. */
  readonly error?: string;
}

export interface RawTable {
  readonly columns: readonly string[];
  readonly rows: readonly RawRow[];
  /** Empty lines and rows with every cell empty: skipped, counted. */
  readonly blankRows: number;
}

export interface ReadProgress {
  (bytesRead: number, totalBytes: number): void;
}

const isBlank = (fields: readonly string[]): boolean => fields.every((f) => f.trim() === "");

/**
 * Reads a CSV export: the first non-blank record is the header. The delimiter is `given`, else
 * detected from the header line before the first record is parsed.
 */
export function readCsvTable(
  path: string,
  progress?: ReadProgress,
  given?: CsvDelimiter,
): RawTable & SourceRead & { readonly delimiter: DelimiterChoice } {
  let parser: CsvParser | undefined;
  let choice: DelimiterChoice | undefined;
  let head = "";
  let columns: string[] | undefined;
  const rows: RawRow[] = [];
  let blankRows = 0;
  let headerError: SourceTextError | undefined;
  const take = (records: CsvRecord[]): void => {
    for (const record of records) {
      if (columns === undefined) {
        if (record.error === undefined && isBlank(record.fields)) continue;
        if (record.error !== undefined) {
          headerError ??= new SourceTextError(record.line, `the header row is malformed: ${record.error}`);
        }
        columns = record.fields.map((f) => f.trim());
        continue;
      }
      if (record.error !== undefined) {
        rows.push({ line: record.line, values: record.fields, error: record.error });
      } else if (isBlank(record.fields)) {
        blankRows++;
      } else if (record.fields.length !== columns.length) {
        rows.push({
          line: record.line,
          values: record.fields,
          error: `has ${record.fields.length} fields, the header has ${columns.length}`,
        });
      } else {
        rows.push({ line: record.line, values: record.fields });
      }
    }
  };
  // Text is held back until the header line is complete, then parsed with its delimiter.
  const feed = (text: string, final: boolean): void => {
    if (parser !== undefined) {
      take(parser.push(text));
      return;
    }
    head += text;
    const counts = headerDelimiterCounts(head, final);
    if (counts === undefined) return;
    choice = chooseDelimiter(given, counts);
    if (choice === undefined) {
      const found = (Object.entries(counts) as [CsvDelimiter, number][])
        .filter(([, n]) => n > 0)
        .map(([d, n]) => `${n} ${d}${n === 1 ? "" : "s"}`);
      throw new SourceTextError(
        1,
        `cannot tell the delimiter: the header line has ${found.join(" and ")} outside quotes. ` +
          `Pass --delimiter comma, semicolon or tab.`,
      );
    }
    parser = new CsvParser(choice.delimiter);
    take(parser.push(head));
    head = "";
  };
  const read = readSourceText(path, (text, bytesRead, totalBytes) => {
    feed(text, false);
    progress?.(bytesRead, totalBytes);
  });
  feed("", true);
  if (parser !== undefined) take(parser.end());
  if (headerError !== undefined) throw headerError;
  if (columns === undefined || choice === undefined) {
    throw new SourceTextError(1, "the file is empty: no header row");
  }
  return { ...read, columns, rows, blankRows, delimiter: choice };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const MAX_DEPTH = 3;

/** Flattens nested objects to dotted keys ("customer.plan"); lists of scalars stay lists. */
function flatten(
  value: Record<string, unknown>,
  prefix: string,
  depth: number,
  out: Map<string, RawValue>,
): void {
  for (const [key, v] of Object.entries(value)) {
    const name = prefix + key;
    if (v === null || v === undefined) continue;
    if (isPlainObject(v) && depth < MAX_DEPTH) flatten(v, `${name}.`, depth + 1, out);
    else if (Array.isArray(v)) {
      const scalars = v.every((x) => x === null || ["string", "number", "boolean"].includes(typeof x));
      out.set(
        name,
        scalars
          ? v.filter((x) => x !== null).map((x) => String(x as string | number | boolean))
          : JSON.stringify(v),
      );
    } else if (typeof v === "string") out.set(name, v);
    else if (typeof v === "number" || typeof v === "boolean") out.set(name, String(v));
    else out.set(name, JSON.stringify(v));
  }
}

/** Reads a JSON export; columns are the record keys in order of first appearance. */
export function readJsonTable(path: string, progress?: ReadProgress): RawTable & SourceRead {
  const parts: string[] = [];
  const read = readSourceText(path, (text, bytesRead, totalBytes) => {
    parts.push(text);
    progress?.(bytesRead, totalBytes);
  });
  const text = parts.join("");
  const records = parseJsonRecords(text);
  const index = new Map<string, number>();
  const columns: string[] = [];
  const rows: RawRow[] = [];
  let blankRows = 0;
  for (const record of records) {
    if (!isPlainObject(record.value)) {
      rows.push({ line: record.line, values: [], error: `record [${record.index}] is not an object` });
      continue;
    }
    const cells = new Map<string, RawValue>();
    flatten(record.value, "", 0, cells);
    const values: (RawValue | undefined)[] = [];
    let empty = true;
    for (const [key, v] of cells) {
      let at = index.get(key);
      if (at === undefined) {
        at = columns.length;
        index.set(key, at);
        columns.push(key);
      }
      values[at] = v;
      if (typeof v === "string" ? v.trim() !== "" : v.length > 0) empty = false;
    }
    if (empty) blankRows++;
    else rows.push({ line: record.line, values });
  }
  return { ...read, columns, rows, blankRows };
}
