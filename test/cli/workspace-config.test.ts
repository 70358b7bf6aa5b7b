import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runConfigCheck } from "../../src/cli/config.js";
import { createMemoryLogger } from "../../src/logging.js";
import { openTriage } from "../../src/service/runtime.js";
import { TEST_NOW, writeTestData } from "../support/data.js";
import { tempDirs } from "../support/temp.js";

// A workspace file with mistakes: the built server names every problem by its path in the file,
// exits 1 and leaves the runtime alone (not created, not changed); `config check` prints the same
// without starting, exit 1, and exit 0 on the two valid workspaces.

const ROOT = resolve(import.meta.dirname, "../..");
const ENTRY = join(ROOT, "dist/index.js");
const BUNDLED = join(ROOT, "data/workspace.json");
const EXAMPLE = join(ROOT, "examples/workspaces/consumer-helpdesk.yaml");
const temp = tempDirs("triage-workspace");

type File = Record<string, unknown> & {
  teams: { members: string[]; onCall: string }[];
  categories: { id: string }[];
  statuses: { initial?: boolean }[];
  plans: { targets: Record<string, unknown> }[];
  routing: Record<string, { team: string; precedence: number }>;
  escalation: Record<string, unknown>;
  approvableFields: string[];
  import: { defaultPlan: string };
};

const bundled = (): File => JSON.parse(readFileSync(BUNDLED, "utf8")) as File;

/** A mistake: how to make it in the bundled file, and the line that must name it. */
const MISTAKES: [string, (f: File) => void, RegExp][] = [
  [
    "a member in two teams",
    (f) => f.teams[3]!.members.push(f.teams[1]!.members[0]!),
    /teams\[3\]\.members\[\d+\]: "[a-z.]+" is also in teams\[1\]/,
  ],
  [
    "a routing team that is not a team",
    (f) => (f.routing["security"]!.team = "sec"),
    /routing\.security\.team: "sec" is not a team \(support, /,
  ],
  [
    "a plan without targets",
    (f) => delete f.plans[0]!.targets["vip"],
    /plans\[0\]\.targets\.vip: is missing \(expected number\)/,
  ],
  [
    "targets for a priority that does not exist",
    (f) => (f.plans[1]!.targets["byPriority"] = { P9: { standard: 5, vip: 5 } }),
    /plans\[1\]\.targets\.byPriority\.P9: "P9" is not a priority \(P1, P2, P3, P4\)/,
  ],
  [
    "a duplicate id",
    (f) => f.categories.push({ id: "billing" }),
    /categories\[10\]\.id: "billing" is also categories\[2\]\.id/,
  ],
  [
    "an approvable field that is not a ticket field",
    (f) => f.approvableFields.push("subject"),
    /approvableFields\[7\]: "subject" is not a ticket field a reviewer can approve/,
  ],
  [
    "a threshold out of range",
    (f) => (f.escalation["lowConfidenceBelow"] = 1.5),
    /escalation\.lowConfidenceBelow: lowConfidenceBelow is at most 1/,
  ],
  ["an unknown key", (f) => (f["colour"] = "blue"), /\(top level\): unknown key "colour"/],
  [
    "two routing rules with one precedence",
    (f) => (f.routing["outage"]!.precedence = f.routing["security"]!.precedence),
    /routing\.outage\.precedence: 1 is also the precedence of routing\.security/,
  ],
  [
    "a rename cycle",
    (f) => (f["renames"] = { teams: { infra: "ops", ops: "infra" } }),
    /renames\.teams\.infra: "infra" -> "ops" -> "infra" is a cycle/,
  ],
  ["no initial status", (f) => (f.statuses[0]!.initial = false), /statuses: no status is initial/],
  [
    "an on-call handle that is not a member",
    (f) => (f.teams[0]!.onCall = "nobody"),
    /teams\[0\]\.onCall: "nobody" is not a member of "support"/,
  ],
  [
    "a default plan that is not a plan",
    (f) => (f.import.defaultPlan = "gold"),
    /import\.defaultPlan: "gold" is not a plan \(enterprise, growth, team, free\)/,
  ],
];

function fileWith(mistake: (f: File) => void): string {
  const file = bundled();
  mistake(file);
  const path = join(temp("file"), "workspace.json");
  writeFileSync(path, JSON.stringify(file, null, 2));
  return path;
}

/** The built server with stdin closed: it exits at once when it cannot start. */
function startServer(env: Record<string, string>) {
  const run = spawnSync(process.execPath, [ENTRY], {
    env: { PATH: process.env["PATH"] ?? "", HOME: temp("home"), ...env },
    input: "",
    encoding: "utf8",
    timeout: 20_000,
  });
  return { status: run.status, stderr: run.stderr, stdout: run.stdout };
}

async function check(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const status = await runConfigCheck(args, {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env: {},
    cwd: ROOT,
  });
  return { status, stdout: out.join(""), stderr: err.join("") };
}

describe("an invalid workspace file", () => {
  it.each(MISTAKES)(
    "%s: the server names it by path, exits 1, creates no runtime",
    (_label, mistake, line) => {
      const file = fileWith(mistake);
      const dataRoot = join(temp("root"), "runtime");
      const run = startServer({ TRIAGE_CONFIG: file, TRIAGE_DATA_ROOT: dataRoot });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`The workspace file ${file} is not valid`);
      expect(run.stderr).toMatch(line);
      expect(run.stdout).toBe("");
      expect(existsSync(dataRoot)).toBe(false);
    },
  );

  it.each(MISTAKES)("%s: config check prints it and exits 1", async (_label, mistake, line) => {
    const result = await check([fileWith(mistake)]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(line);
    expect(result.stderr).toMatch(/: \d+ problems?\n$/);
  });

  it("lists every problem of a file in one run", async () => {
    const result = await check([
      fileWith((f) =>
        MISTAKES.slice(0, 2)
          .concat(MISTAKES.slice(3))
          .forEach(([, m]) => m(f)),
      ),
    ]);
    expect(result.status).toBe(1);
    // The shape's problems come first; the rest once the shape holds.
    expect(result.stdout).toMatch(/lowConfidenceBelow is at most 1/);
    expect(result.stdout).toMatch(/unknown key "colour"/);
    expect(result.stdout).toMatch(/checked once these are fixed/);
    const referenceMistakes = MISTAKES.filter(
      ([label]) => !/threshold|unknown key|without targets/.test(label),
    );
    const references = await check([fileWith((f) => referenceMistakes.forEach(([, m]) => m(f)))]);
    expect(references.status).toBe(1);
    for (const [label, , line] of referenceMistakes) expect(references.stdout, label).toMatch(line);
  });

  it("leaves an existing runtime exactly as it was", async () => {
    const data = writeTestData();
    const triage = await openTriage(
      { dataRoot: data.dataRoot, seedFile: data.seedFile, knowledgeRoot: data.knowledgeRoot },
      createMemoryLogger(),
      { clock: () => TEST_NOW },
    );
    await triage.close();
    const log = readFileSync(join(data.dataRoot, "audit.jsonl"));
    const run = startServer({
      TRIAGE_CONFIG: fileWith(MISTAKES[1]![1]),
      TRIAGE_DATA_ROOT: data.dataRoot,
      TRIAGE_SEED_FILE: data.seedFile,
      TRIAGE_KNOWLEDGE_ROOT: data.knowledgeRoot,
    });
    expect(run.status).toBe(1);
    expect(readFileSync(join(data.dataRoot, "audit.jsonl"))).toEqual(log);
  });

  it("reports a YAML syntax error with its line", async () => {
    const path = join(temp("yaml"), "workspace.yaml");
    writeFileSync(path, "name: broken\ncategories: [a, b\n");
    const result = await check([path]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^line \d+, column \d+: not valid YAML/);
  });
});

describe("the example workspace", () => {
  it("starts a new runtime from its own seed, every stored value one of its own", async () => {
    const dataRoot = join(temp("example"), "runtime");
    const triage = await openTriage(
      {
        dataRoot,
        seedFile: join(ROOT, "examples/workspaces/consumer-helpdesk.seed.json"),
        knowledgeRoot: join(ROOT, "data/knowledge"),
        workspaceFile: EXAMPLE,
      },
      createMemoryLogger(),
      { clock: () => TEST_NOW },
    );
    try {
      const v = triage.workspace.vocabulary;
      const tickets = triage.store.view().ticketsByInsertion(0);
      expect(tickets.length).toBeGreaterThan(0);
      for (const t of tickets) {
        expect(v.statuses).toContain(t.status);
        expect(v.plans).toContain(t.customer.plan);
        if (t.team !== undefined) expect(v.teams).toContain(t.team);
        if (t.category !== undefined) expect(v.categories).toContain(t.category);
      }
    } finally {
      await triage.close();
    }
  });
});

describe("a seed in other values than the workspace's", () => {
  it("the server names the seed and the values, exits 1, and makes no runtime from it", () => {
    const dataRoot = join(temp("seed"), "runtime");
    const run = startServer({ TRIAGE_CONFIG: EXAMPLE, TRIAGE_DATA_ROOT: dataRoot });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    const seed = join(ROOT, "data/seed/tickets.json");
    expect(run.stderr).toContain(`The seed ${seed} carries values the workspace ${EXAMPLE} does not have`);
    // The bundled seed's teams, listed by field, are not the example's.
    expect(run.stderr).toMatch(/ {2}team "[a-z-]+": \d+ tickets? \(TKT-\d+/);
    expect(run.stderr).toContain("point it at a seed written in this workspace's values");
    expect(existsSync(dataRoot) ? readdirSync(dataRoot) : []).toEqual([]);
  });

  it("starts with TRIAGE_KEEP_UNKNOWN_VALUES=1, the tickets keeping their values", async () => {
    const triage = await openTriage(
      {
        dataRoot: join(temp("seed-kept"), "runtime"),
        seedFile: join(ROOT, "data/seed/tickets.json"),
        knowledgeRoot: join(ROOT, "data/knowledge"),
        workspaceFile: EXAMPLE,
        keepUnknownValues: true,
      },
      createMemoryLogger(),
      { clock: () => TEST_NOW },
    );
    try {
      const teams = triage.workspace.vocabulary.teams;
      const tickets = triage.store.view().ticketsByInsertion(0);
      expect(tickets.some((t) => t.team !== undefined && !teams.includes(t.team))).toBe(true);
    } finally {
      await triage.close();
    }
  });
});

describe("config check", () => {
  it.each([
    ["the bundled workspace", BUNDLED, "support-triage"],
    ["the example workspace", EXAMPLE, "consumer-helpdesk"],
  ])("exits 0 on %s", async (_label, file, name) => {
    const result = await check([file]);
    expect(result).toMatchObject({ status: 0, stderr: "" });
    expect(result.stdout).toMatch(new RegExp(`: valid \\(workspace "${name}", sha256 [0-9a-f]{64}\\)`));
  });

  it("is a subcommand of the built server that starts nothing", () => {
    const run = spawnSync(process.execPath, [ENTRY, "config", "check", EXAMPLE], { encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("consumer-helpdesk.yaml: valid");
    const bad = spawnSync(process.execPath, [ENTRY, "config", "check", fileWith(MISTAKES[0]![1])], {
      encoding: "utf8",
    });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(MISTAKES[0]![2]);
  });
});
