import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { CsvParser } from "../../../src/service/import/csv.js";
import { EvaluationInputError } from "../types.js";

// Readers for the public development corpora (see docs/evaluation.md): labelled injection data,
// benign support utterances, and a bug tracker export with human-labelled duplicate links. Rows
// are validated as they are read; nothing from them is written anywhere.

export const INJECTION_FILE = "injection-dev.jsonl";
export const BENIGN_FILE = "benign-support-dev.jsonl";
export const DUPLICATES_DIR = "duplicates-dev";
export const DUPLICATE_ISSUES_FILE = "hadoop_bugs.csv";
export const DUPLICATE_LINKS_FILE = "hadoop_bugs-combined.csv";

export const corpusRowSchema = z.object({
  id: z.string().min(1),
  label: z.union([z.literal(0), z.literal(1)]),
  text: z.string(),
  source: z.string().min(1),
  group: z.string().optional(),
  position: z.enum(["start", "middle", "end"]).optional(),
  lang: z.string().optional(),
});
export type CorpusRow = z.infer<typeof corpusRowSchema>;

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new EvaluationInputError(
      `Cannot read the ${what} ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}). ` +
        "--corpora names a directory holding the development corpora (see docs/evaluation.md).",
    );
  }
}

/** Every line of a JSONL corpus file, validated; a bad line names its number. */
export function readJsonl(file: string): CorpusRow[] {
  const rows: CorpusRow[] = [];
  readText(file, "corpus file")
    .split("\n")
    .forEach((line, i) => {
      if (line.trim() === "") return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new EvaluationInputError(`${file}:${i + 1} is not valid JSON.`);
      }
      const parsed = corpusRowSchema.safeParse(value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new EvaluationInputError(
          `${file}:${i + 1} is not a corpus row (${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}).`,
        );
      }
      rows.push(parsed.data);
    });
  return rows;
}

export interface Issue {
  readonly id: string;
  readonly subject: string;
  readonly description: string;
}

export interface DuplicateCorpus {
  readonly issues: readonly Issue[];
  /** Unordered pairs, both issues present, each once, sorted. */
  readonly pairs: readonly (readonly [string, string])[];
}

function readCsv(file: string): string[][] {
  const parser = new CsvParser();
  const records = [...parser.push(readText(file, "corpus file")), ...parser.end()];
  const bad = records.find((r) => r.error !== undefined);
  if (bad !== undefined) throw new EvaluationInputError(`${file}:${bad.line}: ${bad.error ?? ""}`);
  return records.map((r) => r.fields).filter((f) => !(f.length === 1 && f[0] === ""));
}

function column(header: readonly string[], name: string, file: string): number {
  const i = header.indexOf(name);
  if (i < 0)
    throw new EvaluationInputError(`${file} has no "${name}" column (columns: ${header.join(", ")}).`);
  return i;
}

/** The bug reports and their labelled duplicate pairs. */
export function readDuplicates(dir: string): DuplicateCorpus {
  const issuesFile = join(dir, DUPLICATES_DIR, DUPLICATE_ISSUES_FILE);
  const linksFile = join(dir, DUPLICATES_DIR, DUPLICATE_LINKS_FILE);
  const [header = [], ...rows] = readCsv(issuesFile);
  const idCol = column(header, "Issue id", issuesFile);
  const summaryCol = column(header, "Summary", issuesFile);
  const descriptionCol = column(header, "Description", issuesFile);
  const issues = rows.map((r) => ({
    id: (r[idCol] ?? "").trim(),
    subject: r[summaryCol] ?? "",
    description: r[descriptionCol] ?? "",
  }));
  const known = new Set(issues.map((i) => i.id));
  const [linkHeader = [], ...links] = readCsv(linksFile);
  const fromCol = column(linkHeader, "Issue id", linksFile);
  const toCol = column(linkHeader, "Duplicate id", linksFile);
  const pairs = new Map<string, readonly [string, string]>();
  for (const link of links) {
    const a = (link[fromCol] ?? "").trim();
    for (const b of (link[toCol] ?? "").split(/[\s,]+/).filter((x) => x !== "")) {
      if (a === b || !known.has(a) || !known.has(b)) continue;
      const pair = a < b ? ([a, b] as const) : ([b, a] as const);
      pairs.set(pair.join(" "), pair);
    }
  }
  return { issues, pairs: [...pairs.values()].sort((x, y) => (x.join(" ") < y.join(" ") ? -1 : 1)) };
}

/** Which of the corpus files exist under `dir`; the evaluation measures what is there. */
export function corpusFiles(dir: string): { injection: boolean; benign: boolean; duplicates: boolean } {
  if (!existsSync(dir)) throw new EvaluationInputError(`--corpora ${dir} does not exist.`);
  const files = {
    injection: existsSync(join(dir, INJECTION_FILE)),
    benign: existsSync(join(dir, BENIGN_FILE)),
    duplicates: existsSync(join(dir, DUPLICATES_DIR, DUPLICATE_ISSUES_FILE)),
  };
  if (!files.injection && !files.benign && !files.duplicates) {
    throw new EvaluationInputError(
      `--corpora ${dir} holds none of ${INJECTION_FILE}, ${BENIGN_FILE} or ${DUPLICATES_DIR}/${DUPLICATE_ISSUES_FILE}.`,
    );
  }
  return files;
}
