// Desk benchmark: the reviewer desk's pages over HTTP on a runtime of N generated tickets (the
// benchmark datasets, .bench/datasets/), as a reviewer opens them after the runtime was created
// and closed once (so the desk starts from the store's snapshot, the way it opens a real
// runtime). A few hundred tickets are created over MCP first, so the source filters have
// something to find. Prints the desk's start (which builds its indexes), the first request of
// each page and percentiles of the next ones; asserts nothing.
//
//   npm run bench:desk [-- --tickets 10000,100000] [--requests 30] [--created 300]

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { PROCESS_IO, runCommand, runIfMain, UsageError, type ParsedArgs } from "../src/cli/command.js";
import { startDesk, type Desk } from "../src/desk/index.js";
import { createMemoryLogger } from "../src/logging.js";
import { openTriage, type Triage } from "../src/service/runtime.js";
import { ensureDataset } from "./bench/datasets.js";
import { summarize } from "./bench/stats.js";

const ROOT = resolve(import.meta.dirname, "..");
const USAGE = `Usage: npm run bench:desk [-- options]

Times the reviewer desk's pages over HTTP on runtimes of generated tickets. Prints figures.
  --tickets N,N     runtime sizes (default 10000,100000)
  --requests N      requests per page after the first (default 30)
  --created N       tickets created over MCP before the desk starts (default 300)
  --keep            keep the temporary runtimes
  -h, --help        show this help
`;

const OPTIONS = {
  tickets: { type: "string" },
  requests: { type: "string" },
  created: { type: "string" },
  keep: { type: "boolean" },
} as const;

interface BenchOptions {
  readonly sizes: readonly number[];
  readonly requests: number;
  readonly created: number;
  readonly keep: boolean;
}

function wholeNumber(flag: string, text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag} takes whole numbers, not "${text}".`);
  return Number(text.trim());
}

function parse({ values }: ParsedArgs<typeof OPTIONS>): BenchOptions {
  return {
    sizes: (values.tickets ?? "10000,100000").split(",").map((s) => wholeNumber("--tickets", s)),
    requests: wholeNumber("--requests", values.requests ?? "30"),
    created: wholeNumber("--created", values.created ?? "300"),
    keep: values.keep === true,
  };
}
const CLIENTS = ["claude-code", "claude-desktop", "codex", "mcp-inspector"];
const log = (line: string) => process.stderr.write(`${line}\n`);

async function open(dataRoot: string, seedFile: string): Promise<Triage> {
  return openTriage(
    { dataRoot, seedFile, knowledgeRoot: join(ROOT, "data/knowledge"), minutesSaved: 8 },
    createMemoryLogger(),
  );
}

/** Creates the runtime, adds tickets over MCP and a few pending recommendations, and closes it. */
async function prepare(dataRoot: string, seedFile: string, created: number): Promise<void> {
  const triage = await open(dataRoot, seedFile);
  for (let i = 0; i < created; i++) {
    await triage.intake.createTicket(
      {
        subject: `Export to CSV fails for workspace ${i}`,
        description: "Clicking export shows a spinner and then nothing happens.",
        customer: { name: `Created Customer ${i % 40}`, plan: "team", region: "eu-west", vip: false },
      },
      {
        kind: "mcp",
        client: { name: CLIENTS[i % CLIENTS.length] as string, version: "1.0.0" },
        session: `session-${i % 25}`,
      },
    );
  }
  const first = (await triage.queue.findTickets({ status: "new", offset: 0, limit: 20 })).items;
  for (const ticket of first) {
    await triage.service.submit({
      ticketId: ticket.id,
      sourceRevision: ticket.revision,
      category: "billing",
      priority: "P3",
      team: "billing",
      duplicateCandidates: [],
      outageRisk: "none",
      securityRisk: "none",
      slaRisk: "none",
      missingInformation: [],
      knowledgeArticleIds: [],
      draftCustomerResponse: "We are looking into it.",
      rationale: "A billing question.",
      confidence: 0.8,
      recommendedNextAction: "Reply.",
      actor: "bench-agent",
    });
  }
  await triage.close();
}

interface Session {
  readonly desk: Desk;
  readonly cookie: string;
}

async function login(desk: Desk): Promise<Session> {
  const link = await fetch(desk.loginLink(), { redirect: "manual" });
  const cookie = (link.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const page = await (await fetch(`${desk.url}/name`, { headers: { cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
  await fetch(`${desk.url}/name`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie, origin: desk.url, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrf, reviewer: "bench", next: "/" }),
  });
  return { desk, cookie };
}

/** One GET; its wall time in ms and what the page says it matched. */
async function get(s: Session, path: string): Promise<{ ms: number; bytes: number; matches: string }> {
  const started = performance.now();
  const res = await fetch(`${s.desk.url}${path}`, { headers: { cookie: s.cookie } });
  const body = await res.text();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
  const matches = /([\d,]+)\s+tickets? match/.exec(body)?.[1] ?? "";
  return { ms, bytes: body.length, matches };
}

function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

async function run(size: number, options: BenchOptions): Promise<void> {
  const dataset = ensureDataset(ROOT, join(ROOT, ".bench"), size, log);
  const root = mkdtempSync(join(tmpdir(), "bench-desk-"));
  const dataRoot = join(root, "runtime");
  try {
    let started = performance.now();
    await prepare(dataRoot, dataset.file, options.created);
    log(
      `${size}: runtime with ${options.created} tickets created over MCP in ${fmt(performance.now() - started)} ms`,
    );
    started = performance.now();
    const triage = await open(dataRoot, dataset.file);
    const openMs = performance.now() - started;
    started = performance.now();
    const desk = await startDesk(triage, {
      port: 0,
      version: "bench",
      logger: createMemoryLogger(),
      onLoginLink: () => undefined,
    });
    const startMs = performance.now() - started;
    const rssMb = process.memoryUsage().rss / 1024 / 1024;
    const s = await login(desk);
    const sample = (await triage.queue.findTickets({ offset: 0, limit: 1 })).items[0];
    const customer = sample?.customer.name ?? "A";
    const total = (await triage.queue.findTickets({ offset: 0, limit: 1 })).total;
    const lastPage = Math.ceil(total / 50);
    const pages: [string, string][] = [
      ["customer, full name", `/tickets?customer=${encodeURIComponent(customer)}`],
      ["customer, 1-letter prefix", `/tickets?customer=${encodeURIComponent(customer.slice(0, 1))}`],
      ["source client", "/tickets?sourceClient=codex"],
      ["source session + status", "/tickets?sourceSession=session-7&status=new"],
      ["no filter, page 1", "/tickets"],
      [`no filter, page ${Math.floor(lastPage / 2)}`, `/tickets?page=${Math.floor(lastPage / 2)}`],
      [`no filter, last page (${lastPage})`, `/tickets?page=${lastPage}`],
      ["status", "/tickets?status=new"],
      ["team + priority", "/tickets?team=billing&priority=P2"],
      ["SLA breached", "/tickets?slaState=breached"],
      ["SLA at risk + team, page 3", "/tickets?slaState=at-risk&team=api-platform&page=3"],
      [
        "status + category + SLA healthy, page 40",
        "/tickets?status=triage&category=api&slaState=healthy&page=40",
      ],
      ["dashboard", "/"],
      ["ticket page", `/tickets/${sample?.id ?? ""}`],
      ["pending recommendations (10 reviews)", "/reviews"],
      ["change mark (polled by open pages)", "/api/changes"],
    ];
    const rows: string[] = [];
    for (const [name, path] of pages) {
      const cold = await get(s, path);
      const warm: number[] = [];
      for (let i = 0; i < options.requests; i++) warm.push((await get(s, path)).ms);
      const w = summarize(warm);
      rows.push(
        `| ${size.toLocaleString("en-US")} | ${name} | ${cold.matches || "–"} | ${fmt(cold.ms)} | ${fmt(w.p50)} | ${fmt(w.p95)} | ${fmt(w.max)} | ${(cold.bytes / 1024).toFixed(0)} kB |`,
      );
    }
    await desk.close();
    await triage.close();
    process.stdout.write(
      `\n${size.toLocaleString("en-US")} tickets (${total.toLocaleString("en-US")} with those created over MCP): the runtime opened in ${fmt(openMs)} ms, the desk started (its customer, source and similarity indexes built) in ${fmt(startMs)} ms (process RSS ${rssMb.toFixed(0)} MB); ${options.requests} more requests per page after the first\n\n` +
        "| tickets | page | matches | first ms | p50 ms | p95 ms | max ms | size |\n|---|---|---|---|---|---|---|---|\n" +
        `${rows.join("\n")}\n`,
    );
  } finally {
    if (options.keep) log(`kept ${dataRoot}`);
    else rmSync(root, { recursive: true, force: true });
  }
}

async function runAll(options: BenchOptions): Promise<number> {
  for (const size of options.sizes) await run(size, options);
  return 0;
}

await runIfMain(import.meta.url, "bench:desk", (argv) =>
  runCommand({ name: "bench:desk", usage: USAGE, options: OPTIONS, parse, run: runAll }, argv, PROCESS_IO),
);
