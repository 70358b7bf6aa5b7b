import { describe, expect, it } from "vitest";
import {
  CLUSTER_TEMPLATES,
  SINGLE_TEMPLATES,
  fill,
  makeSlots,
} from "../../scripts/fixtures/bulk-templates.js";
import { CATALOGUE } from "../../scripts/fixtures/catalogue.js";
import { createPrng } from "../../scripts/fixtures/prng.js";
import {
  compareRisk,
  detectSignals,
  hasInjection,
  riskFloors,
  type Signal,
} from "../../src/domain/signals/index.js";

// Detector quality against labelled tickets. Thresholds are set at or a little below what the
// detectors measure today, so a regression fails by name; raise them when the detectors improve.
//
// What counts as "detected" mirrors how the policy uses the signals: injection is any injection
// signal, security is a security floor above "none" (any security risk routes to security),
// outage is an outage floor of "likely" or more (the level that raises an outage escalation).

type Kind = "injection" | "security" | "outage";

interface Detected {
  readonly injection: boolean;
  readonly security: boolean;
  readonly outage: boolean;
}

function detected(signals: readonly Signal[]): Detected {
  const floors = riskFloors(signals);
  return {
    injection: hasInjection(signals),
    security: floors.securityRisk !== "none",
    outage: floors.outageRisk === "likely" || floors.outageRisk === "confirmed",
  };
}

interface Score {
  truePositives: number;
  falsePositives: string[];
  falseNegatives: string[];
}

function score(cases: readonly { id: string; label: boolean; detected: boolean }[]): {
  precision: number;
  recall: number;
  falsePositives: string[];
  falseNegatives: string[];
} {
  const s: Score = { truePositives: 0, falsePositives: [], falseNegatives: [] };
  for (const c of cases) {
    if (c.label && c.detected) s.truePositives++;
    else if (c.detected) s.falsePositives.push(c.id);
    else if (c.label) s.falseNegatives.push(c.id);
  }
  const flagged = s.truePositives + s.falsePositives.length;
  const positives = s.truePositives + s.falseNegatives.length;
  return {
    precision: flagged === 0 ? 1 : s.truePositives / flagged,
    recall: positives === 0 ? 1 : s.truePositives / positives,
    falsePositives: s.falsePositives,
    falseNegatives: s.falseNegatives,
  };
}

describe("calibration on the bundled fixture catalogue", () => {
  const results = CATALOGUE.map((t) => ({ ticket: t, detected: detected(detectSignals(t)) }));
  const scoreOf = (kind: Kind) =>
    score(
      results.map((r) => ({ id: r.ticket.id, label: r.ticket.labels[kind], detected: r.detected[kind] })),
    );

  it("has labelled positives of every kind to measure against", () => {
    for (const kind of ["injection", "security", "outage"] as const) {
      expect(CATALOGUE.filter((t) => t.labels[kind]).length).toBeGreaterThanOrEqual(5);
    }
  });

  it.each<[Kind, number, number]>([
    // [kind, minimum recall, minimum precision]; measured on this set: 1.0 / 1.0 for each kind.
    ["injection", 1, 0.9],
    ["security", 1, 0.85],
    ["outage", 1, 0.8],
  ])("%s: recall >= %s and precision >= %s", (kind, minRecall, minPrecision) => {
    const s = scoreOf(kind);
    expect({ kind, falseNegatives: s.falseNegatives }).toEqual({ kind, falseNegatives: [] });
    expect(s.recall).toBeGreaterThanOrEqual(minRecall);
    expect(s.precision).toBeGreaterThanOrEqual(minPrecision);
  });

  it("stays quiet on every benign look-alike for the signal it resembles", () => {
    const lookalikes = results.filter((r) => (r.ticket.labels.lookalikeOf ?? []).length > 0);
    expect(lookalikes.length).toBeGreaterThanOrEqual(6);
    const loud = lookalikes.flatMap((r) =>
      (r.ticket.labels.lookalikeOf ?? []).filter((k) => r.detected[k]).map((k) => `${r.ticket.id}: ${k}`),
    );
    expect(loud).toEqual([]);
  });

  it("flags no injection on a ticket that is not labelled injection", () => {
    expect(scoreOf("injection").falsePositives).toEqual([]);
  });

  it("never puts a floor above the risk a careful reviewer assigns", () => {
    // A floor above the ideal would overrule a correct recommendation and raise a needless
    // policy-conflict. Below it is fine: the floor is evidence, not a verdict.
    const above = CATALOGUE.flatMap((t) => {
      if (t.ideal === undefined) return [];
      const floors = riskFloors(detectSignals(t));
      return [
        ...(compareRisk(floors.securityRisk, t.ideal.securityRisk) > 0
          ? [`${t.id}: security ${floors.securityRisk}`]
          : []),
        ...(compareRisk(floors.outageRisk, t.ideal.outageRisk) > 0
          ? [`${t.id}: outage ${floors.outageRisk}`]
          : []),
      ];
    });
    expect(above).toEqual([]);
    expect(CATALOGUE.filter((t) => t.ideal !== undefined).length).toBeGreaterThan(40);
  });
});

describe("calibration on the bulk ticket templates", () => {
  // Every subject x body pairing of the benchmark templates, with three slot fillings each. The
  // template key gives the label: none of them carries injection.
  const SECURITY_TEMPLATES = new Set(["credential-leak", "unexpected-admin", "phishing"]);
  const OUTAGE_TEMPLATES = new Set(["regional-outage", "webhook-queue-stuck"]);
  const rng = createPrng("signals-calibration");
  const cases = [...SINGLE_TEMPLATES, ...CLUSTER_TEMPLATES].flatMap((template) =>
    template.subjects.flatMap((subject, si) =>
      template.bodies.flatMap((body, bi) =>
        [0, 1, 2].map((k) => {
          const slots = makeSlots(rng);
          const ticket = { subject: fill(subject, slots), description: fill(body, slots) };
          return {
            id: `${template.key}/${si}/${bi}/${k}`,
            key: template.key,
            found: detected(detectSignals(ticket)),
          };
        }),
      ),
    ),
  );

  it("covers hundreds of generated tickets", () => {
    expect(cases.length).toBeGreaterThan(500);
  });

  it("flags no injection in any of them", () => {
    expect(cases.filter((c) => c.found.injection).map((c) => c.id)).toEqual([]);
  });

  it.each<["security" | "outage", ReadonlySet<string>]>([
    ["security", SECURITY_TEMPLATES],
    ["outage", OUTAGE_TEMPLATES],
  ])("%s: recall >= 0.95 and precision >= 0.95 (measured 1.0 / 1.0)", (kind, keys) => {
    const s = score(cases.map((c) => ({ id: c.id, label: keys.has(c.key), detected: c.found[kind] })));
    expect(s.recall).toBeGreaterThanOrEqual(0.95);
    expect(s.precision).toBeGreaterThanOrEqual(0.95);
  });
});
