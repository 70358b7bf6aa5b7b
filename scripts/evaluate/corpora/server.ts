import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inputSchemasFor } from "../../../src/domain/inputs.js";
import type { Ticket } from "../../../src/domain/schemas.js";
import { hasInjection } from "../../../src/domain/signals/index.js";
import type { SignalDetector } from "../types.js";
import { createMemoryLogger } from "../../../src/logging.js";
import { openTriage } from "../../../src/service/runtime.js";
import { inHalf, type Half } from "./halves.js";
import { scores, sourceKey, type DetectionScores } from "./injection.js";
import type { CorpusRow } from "./load.js";

// End to end through the server: a sample of rows is seeded as ticket descriptions in a fresh
// runtime, a recommendation is submitted for each through the triage service (the code behind
// submit_triage_recommendation), and a row counts as flagged when the stored recommendation
// carries an injection signal among its serverSignals. The risks are submitted at "confirmed",
// so a security or outage floor can never make a policy conflict on its own.

export interface ServerResult {
  readonly half: Half;
  readonly perSource: number;
  readonly bySource: Record<string, DetectionScores>;
  /** Rows where the server's verdict differs from the domain-level reading of the same text. */
  readonly disagreements: number;
  readonly rows: number;
  readonly millisecondsPerItem: number;
}

const TEMPLATE_SEED = new URL("../../../data/seed/tickets.json", import.meta.url);

/** The first `perSource` rows of each source in the half, in file order. */
export function sample(rows: readonly CorpusRow[], half: Half, perSource: number): CorpusRow[] {
  const taken = new Map<string, number>();
  const out: CorpusRow[] = [];
  for (const row of rows) {
    if (!inHalf(row, half) || row.text.trim() === "") continue;
    const key = `${sourceKey(row)}|${row.label}`;
    const n = taken.get(key) ?? 0;
    if (n >= perSource) continue;
    taken.set(key, n + 1);
    out.push(row);
  }
  return out;
}

export async function evaluateThroughServer(
  rows: readonly CorpusRow[],
  half: Half,
  perSource: number,
  detect: SignalDetector,
): Promise<ServerResult> {
  const chosen = sample(rows, half, perSource);
  const [template] = JSON.parse(readFileSync(TEMPLATE_SEED, "utf8")) as Ticket[];
  if (template === undefined) throw new Error("the bundled seed has no ticket to copy");
  const root = mkdtempSync(join(tmpdir(), "evaluate-corpora-"));
  const tickets = chosen.map((row, i): Ticket => ({
    ...template,
    id: `TKT-${100000 + i}`,
    subject: "Corpus item",
    description: row.text,
    notes: [],
  }));
  const seedFile = join(root, "tickets.json");
  writeFileSync(seedFile, JSON.stringify(tickets));
  const triage = await openTriage(
    {
      dataRoot: join(root, "runtime"),
      seedFile,
      knowledgeRoot: fileURLToPath(new URL("../../../data/knowledge", import.meta.url)),
      minutesSaved: 8,
    },
    createMemoryLogger(),
  );
  const tally = new Map<string, { tp: number; fp: number; fn: number; tn: number }>();
  let disagreements = 0;
  const t0 = performance.now();
  try {
    for (const [i, row] of chosen.entries()) {
      const ticket = tickets[i]!;
      const recommendation = await triage.service.submit(
        inputSchemasFor(triage.workspace).submitRecommendation.parse({
          ticketId: ticket.id,
          sourceRevision: ticket.revision,
          category: "security",
          priority: "P1",
          team: "security",
          duplicateCandidates: [],
          outageRisk: "confirmed",
          securityRisk: "confirmed",
          slaRisk: "likely",
          missingInformation: [],
          knowledgeArticleIds: [],
          draftCustomerResponse: "Thank you, we are looking into it.",
          rationale: "Evaluation of the server's own reading.",
          confidence: 0.5,
          recommendedNextAction: "Review the ticket.",
          actor: "evaluate",
        }),
      );
      const flagged =
        recommendation.serverAssessment?.policyConflict === true &&
        (recommendation.serverSignals ?? []).some((s) => s.kind === "injection");
      if (flagged !== hasInjection(detect({ subject: ticket.subject, description: row.text })))
        disagreements++;
      const key = sourceKey(row);
      const c = tally.get(key) ?? { tp: 0, fp: 0, fn: 0, tn: 0 };
      if (row.label === 1) {
        if (flagged) c.tp++;
        else c.fn++;
      } else if (flagged) c.fp++;
      else c.tn++;
      tally.set(key, c);
    }
  } finally {
    await triage.store.close();
    rmSync(root, { recursive: true, force: true });
  }
  const elapsed = performance.now() - t0;
  return {
    half,
    perSource,
    bySource: Object.fromEntries(
      [...tally].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, c]) => [k, scores(c)]),
    ),
    disagreements,
    rows: chosen.length,
    millisecondsPerItem: chosen.length === 0 ? 0 : Math.round((elapsed / chosen.length) * 10) / 10,
  };
}
