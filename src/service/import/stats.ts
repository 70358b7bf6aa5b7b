// What an import saw, row by row, kept small enough to print and to record in the audit event:
// bad rows (all of them counted, the first few listed), warnings by kind, how each raw
// enumeration value was mapped, and how many empty cells got a default.

export interface RowError {
  readonly line: number;
  readonly reason: string;
}

export interface WarningSummary {
  readonly kind: string;
  readonly message: string;
  readonly count: number;
  /** The first few lines it occurred on. */
  readonly lines: readonly number[];
}

/** A raw value of an enumerated field and what it became (null: left unset / default). */
export interface ValueMapping {
  readonly from: string;
  readonly to: string | null;
  readonly known: boolean;
  readonly count: number;
}

/** Distinct raw values listed per field; the rest are counted in `otherValues`. */
const MAX_VALUES_PER_FIELD = 50;
const MAX_VALUE_LENGTH = 60;
const LINES_PER_WARNING = 5;

export class ImportStats {
  private readonly errors: RowError[] = [];
  private readonly warnings = new Map<string, { message: string; count: number; lines: number[] }>();
  private readonly values = new Map<
    string,
    Map<string, { to: string | null; known: boolean; count: number }>
  >();
  private readonly otherValues = new Map<string, number>();
  private readonly defaults = new Map<string, number>();
  private readonly externalIds = new Map<string, number>();

  rowError(line: number, problems: readonly string[]): void {
    this.errors.push({ line, reason: problems.join("; ") });
  }

  warn(kind: string, line: number, message: string): void {
    const entry = this.warnings.get(kind);
    if (entry === undefined) this.warnings.set(kind, { message, count: 1, lines: [line] });
    else {
      entry.count++;
      if (entry.lines.length < LINES_PER_WARNING) entry.lines.push(line);
    }
  }

  defaulted(field: string): void {
    this.defaults.set(field, (this.defaults.get(field) ?? 0) + 1);
  }

  value(field: string, raw: string, to: string | null, known: boolean): void {
    const from = raw.length > MAX_VALUE_LENGTH ? `${raw.slice(0, MAX_VALUE_LENGTH)}...` : raw;
    let byValue = this.values.get(field);
    if (byValue === undefined) {
      byValue = new Map();
      this.values.set(field, byValue);
    }
    const entry = byValue.get(from);
    if (entry !== undefined) entry.count++;
    else if (byValue.size < MAX_VALUES_PER_FIELD) byValue.set(from, { to, known, count: 1 });
    else this.otherValues.set(field, (this.otherValues.get(field) ?? 0) + 1);
  }

  /** Records the line of an external id; returns the earlier line if the id was seen before. */
  claimExternalId(externalId: string, line: number): number | undefined {
    const earlier = this.externalIds.get(externalId);
    if (earlier !== undefined) return earlier;
    this.externalIds.set(externalId, line);
    return undefined;
  }

  get errorCount(): number {
    return this.errors.length;
  }

  get warningCount(): number {
    let n = 0;
    for (const w of this.warnings.values()) n += w.count;
    return n;
  }

  /** The first `limit` bad rows, by line. */
  firstErrors(limit: number): RowError[] {
    return [...this.errors].sort((a, b) => a.line - b.line).slice(0, limit);
  }

  warningList(): WarningSummary[] {
    return [...this.warnings].map(([kind, w]) => ({
      kind,
      message: w.message,
      count: w.count,
      lines: [...w.lines],
    }));
  }

  valueMappings(): Record<string, ValueMapping[]> {
    const out: Record<string, ValueMapping[]> = {};
    for (const [field, byValue] of this.values) {
      out[field] = [...byValue]
        .map(([from, v]) => ({ from, to: v.to, known: v.known, count: v.count }))
        .sort((a, b) => b.count - a.count || (a.from < b.from ? -1 : 1));
    }
    return out;
  }

  otherValueCounts(): Record<string, number> {
    return Object.fromEntries(this.otherValues);
  }

  defaultCounts(): Record<string, number> {
    return Object.fromEntries(this.defaults);
  }
}
