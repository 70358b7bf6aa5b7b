import { writeFileSync } from "node:fs";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createPrng } from "../../scripts/fixtures/prng.js";

// A generated helpdesk export: seeded, so the same arguments always give the same bytes. Cells
// exercise the CSV corners (quoted commas, escaped quotes, embedded CRLF/LF line breaks) and
// the value mapping (mixed-case statuses and priorities, tag lists, zones).
//
// As a program, it writes a file for timing the import by hand:
//   npx tsx test/fixtures-import/generate.ts /tmp/export-50k.csv 50000

const STATUSES = ["Open", "open", "Pending", "Solved", "Closed", "New", "On-Hold", "In Progress"];
const PRIORITIES = ["Urgent", "High", "Normal", "Low", "normal", ""];
const PLANS = ["enterprise", "growth", "team", "free", "Business", ""];
const REGIONS = ["eu-west", "us-east", "ap-south", "eu-central", "us-west"];
const COMPANIES = ["Northwind", "Contoso, Ltd.", "Fabrikam", "Adatum", 'The "Best" Co', "Litware"];
const SUBJECTS = [
  "Cannot log in after password reset",
  "Invoice total does not match the contract",
  "Webhook deliveries arrive late",
  "Export to spreadsheet fails, with a timeout",
  'Search for "Zoë" finds nothing',
  "Dashboard slow on Monday mornings",
];
const BODIES = [
  "It started this morning.",
  "Steps:\r\n1. open the page\r\n2. click export",
  'The error says "unexpected token", then the page reloads.',
  "We have 40 users, all affected; please advise.",
  "First line\nsecond line, with a comma",
];
const TAGS = ["login", "billing", "webhooks", "export", "search", "performance", "api"];

function cell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export interface GeneratedExport {
  readonly text: string;
  readonly rows: number;
  /** External id of row i (0-based): `${idPrefix}-${i + 1}`. */
  readonly idPrefix: string;
}

/** A CSV export of `rows` rows, CRLF line ends, header first. */
export function generateCsv(
  rows: number,
  options: { seed?: string; idPrefix?: string } = {},
): GeneratedExport {
  const rng = createPrng(options.seed ?? "import-50k");
  const idPrefix = options.idPrefix ?? "GEN";
  const header = "Ticket ID,Subject,Description,Status,Priority,Tags,Created At,Requester,Plan,Region,VIP";
  const lines: string[] = [header];
  const base = Date.UTC(2026, 0, 1);
  for (let i = 0; i < rows; i++) {
    const created = new Date(base + rng.int(0, 100 * 24 * 60) * 60_000).toISOString();
    const tags = Array.from({ length: rng.int(0, 3) }, () => rng.pick(TAGS)).join(";");
    lines.push(
      [
        `${idPrefix}-${i + 1}`,
        `${rng.pick(SUBJECTS)} #${i + 1}`,
        rng.pick(BODIES),
        rng.pick(STATUSES),
        rng.pick(PRIORITIES),
        tags,
        created,
        rng.pick(COMPANIES),
        rng.pick(PLANS),
        rng.pick(REGIONS),
        rng.chance(0.1) ? "yes" : "no",
      ]
        .map(cell)
        .join(","),
    );
  }
  return { text: `${lines.join("\r\n")}\r\n`, rows, idPrefix };
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  const [out, count] = process.argv.slice(2);
  if (out === undefined) {
    process.stderr.write("usage: tsx test/fixtures-import/generate.ts OUT.csv [ROWS]\n");
    process.exitCode = 2;
  } else {
    const generated = generateCsv(Number(count ?? 50_000));
    writeFileSync(out, generated.text);
    process.stderr.write(`wrote ${generated.rows} rows, ${generated.text.length} characters to ${out}\n`);
  }
}
