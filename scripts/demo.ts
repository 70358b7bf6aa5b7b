// `npm run demo`: the newcomer's "see it work". Copies the bundled data into a temporary runtime,
// starts the server as a child process over stdio and drives it with the SDK Client exactly as
// an AI client would, printing a transcript. Nothing is left behind: the temporary directory is
// removed on success, on failure and on Ctrl-C (or SIGTERM, SIGHUP), unless `--keep` asks to
// hand the runtime to the reviewer CLI afterwards.
//
// The server is dist/index.js when built (npm run build); on a fresh clone without dist/ the
// TypeScript source runs through tsx instead, so the demo works right after npm ci.
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { PROCESS_IO, runCommand, runIfMain, type Command, type CommandIo } from "../src/cli/command.js";
import { slaStateOf } from "../src/domain/policy/index.js";
import type { Risk } from "../src/domain/enums.js";
import type { Sla } from "../src/domain/schemas.js";
import { PACKAGE_ROOT, reviewCommand } from "../src/paths.js";
import { loadWorkspace } from "../src/service/workspace.js";
import { CATALOGUE, DUPLICATE_GROUPS } from "./fixtures/catalogue.js";
import type { FixtureTicket, IdealTriage } from "./fixtures/schema.js";

const AGENT = "demo-agent";
const REVIEWER = "sam.reviewer";

export interface DemoIo {
  readonly out: (line: string) => void;
}

export interface DemoOptions {
  /** The server to start; defaults to dist/index.js, or the source through tsx when not built. */
  readonly server?: {
    readonly command: string;
    readonly args: string[];
    readonly description: string;
    /** The module whose reviewCommand names this server's reviewer CLI (with --keep). */
    readonly paths?: string;
  };
  /** Keep the temporary runtime and print how to review it. */
  readonly keep?: boolean;
}

export interface DemoResult {
  readonly exitCode: number;
  readonly tempDir: string | undefined;
}

/** A step that did not behave as the demo explains it: the demo fails loudly instead. */
class DemoError extends Error {}

interface Reply {
  readonly ok: boolean;
  readonly text: string;
  readonly data: Record<string, unknown>;
}

// ---------- which tickets to show, chosen from the catalogue labels ----------

interface Cast {
  readonly injection: FixtureTicket & { ideal: IdealTriage };
  readonly security: FixtureTicket & { ideal: IdealTriage };
  readonly outageGroup: string;
  readonly outageMembers: readonly string[];
}

function hasIdeal(t: FixtureTicket): t is FixtureTicket & { ideal: IdealTriage } {
  return t.ideal !== undefined;
}

function castFromCatalogue(): Cast {
  // An injection that also hides a security concern shows both rules at once.
  const injection = CATALOGUE.find((t) => t.labels.injection && t.labels.security && hasIdeal(t));
  const security = CATALOGUE.find(
    (t) => t.labels.security && !t.labels.injection && t.labels.duplicateGroup === undefined && hasIdeal(t),
  );
  const outageGroup = DUPLICATE_GROUPS.map((g) => g.id).find((g) =>
    CATALOGUE.some((t) => t.labels.duplicateGroup === g && t.labels.outage),
  );
  if (injection === undefined || security === undefined || outageGroup === undefined) {
    throw new DemoError("the fixture catalogue has no injection, security or outage cluster ticket to show");
  }
  const outageMembers = CATALOGUE.filter((t) => t.labels.duplicateGroup === outageGroup).map((t) => t.id);
  return {
    injection: injection as FixtureTicket & { ideal: IdealTriage },
    security: security as FixtureTicket & { ideal: IdealTriage },
    outageGroup,
    outageMembers,
  };
}

function slaRiskOf(sla: Sla, now: Date): Risk {
  const state = slaStateOf({ sla }, now, loadWorkspace().workspace.policy.atRiskWindowMs);
  return state === "breached" ? "confirmed" : state === "at-risk" ? "likely" : "none";
}

/** The submit arguments a careful agent would send: the catalogue's ideal triage. */
function proposalFor(
  t: FixtureTicket & { ideal: IdealTriage },
  ticket: { revision: number; sla: Sla },
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const i = t.ideal;
  return {
    ticketId: t.id,
    sourceRevision: ticket.revision,
    category: i.category,
    priority: i.priority,
    team: i.team,
    ...(i.assignee === undefined ? {} : { assignee: i.assignee }),
    ...(i.ticketStatus === undefined ? {} : { ticketStatus: i.ticketStatus }),
    ...(i.tags === undefined ? {} : { tags: [...i.tags] }),
    duplicateCandidates: [],
    outageRisk: i.outageRisk,
    securityRisk: i.securityRisk,
    slaRisk: slaRiskOf(ticket.sla, new Date()),
    missingInformation: [...i.missingInformation],
    knowledgeArticleIds: [...t.labels.expectedArticles],
    draftCustomerResponse: i.draftCustomerResponse,
    rationale: i.rationale,
    confidence: i.confidence,
    recommendedNextAction: i.recommendedNextAction,
    actor: AGENT,
    ...overrides,
  };
}

// ---------- transcript ----------

class Transcript {
  private step = 0;
  constructor(private readonly io: DemoIo) {}

  heading(title: string): void {
    this.step++;
    this.io.out("");
    this.io.out(`== ${this.step}. ${title} ==`);
  }

  say(text: string): void {
    for (const line of wrap(text, 96)) this.io.out(`   ${line}`);
  }

  call(tool: string, args: Record<string, unknown>): void {
    this.io.out(`-> ${tool} ${clip(JSON.stringify(args), 220)}`);
  }

  reply(value: unknown, label = "<-"): void {
    const lines = JSON.stringify(value, null, 2).split("\n");
    const shown = lines.length > 24 ? [...lines.slice(0, 23), "  ..."] : lines;
    shown.forEach((line, i) => this.io.out(`${i === 0 ? label : "  "} ${line}`));
  }

  error(text: string): void {
    this.io.out(`<- error: ${clip(text, 400)}`);
  }

  plain(line: string): void {
    this.io.out(line);
  }
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}

function pick(value: unknown, keys: readonly string[]): Record<string, unknown> {
  const source = (value ?? {}) as Record<string, unknown>;
  return Object.fromEntries(keys.filter((k) => Object.hasOwn(source, k)).map((k) => [k, source[k]]));
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new DemoError(`unexpected server behaviour: ${what}`);
}

// ---------- the demo ----------

function serverCommand(): NonNullable<DemoOptions["server"]> {
  const built = join(PACKAGE_ROOT, "dist", "index.js");
  if (existsSync(built)) {
    return {
      command: process.execPath,
      args: [built],
      description: "node dist/index.js",
      paths: join(PACKAGE_ROOT, "dist", "paths.js"),
    };
  }
  return {
    command: process.execPath,
    args: ["--import", "tsx", join(PACKAGE_ROOT, "src", "index.ts")],
    description: "tsx src/index.ts (dist/ is not built; run npm run build to use the compiled server)",
    paths: join(PACKAGE_ROOT, "src", "paths.ts"),
  };
}

async function drive(client: Client, t: Transcript, cast: Cast): Promise<void> {
  const call = async (tool: string, args: Record<string, unknown>, show = true): Promise<Reply> => {
    if (show) t.call(tool, args);
    const raw = (await client.callTool({ name: tool, arguments: args })) as CallToolResult;
    const text = raw.content
      .filter((c) => c.type === "text")
      .map((c) => (c as { text: string }).text)
      .join("\n");
    return { ok: raw.isError !== true, text, data: raw.structuredContent ?? {} };
  };
  const must = async (tool: string, args: Record<string, unknown>, show = true): Promise<Reply> => {
    const r = await call(tool, args, show);
    if (!r.ok) throw new DemoError(`${tool} failed: ${r.text}`);
    return r;
  };
  const readTicket = async (id: string, show = true) =>
    (await must("get_ticket", { id }, show)).data.ticket as Record<string, unknown> & {
      revision: number;
      sla: Sla;
    };

  // 1. Queue metrics
  t.heading("Queue metrics: what is waiting");
  const metrics = await must("get_queue_metrics", {});
  t.reply(
    pick(metrics.data, [
      "openTickets",
      "untriagedTickets",
      "slaBreachedTickets",
      "slaAtRiskTickets",
      "pendingRecommendations",
    ]),
  );
  t.say(
    "The bundled tickets are stored relative to a fixture epoch and shifted to today when the runtime is " +
      "created, so a fresh runtime always shows a mix of healthy, at-risk and breached SLAs.",
  );

  // 2. An injection ticket
  const inj = cast.injection;
  t.heading(`A ticket that tries to instruct the AI (${inj.id})`);
  const injTicket = await readTicket(inj.id);
  t.reply(pick(injTicket, ["id", "subject", "status", "team", "revision"]));
  const injected = String(injTicket.description)
    .split(/\n+/)
    .find((p) => /\b(AI|assistant|approved|ignore|disregard)\b/i.test(p));
  if (injected !== undefined) {
    for (const line of wrap(`ticket text: "${clip(injected, 400)}"`, 96)) t.plain(`   | ${line}`);
  }
  t.say(
    "Ticket text is data, not instructions. The agent triages the real request (an unverified privilege " +
      "change) on its merits and cites the knowledge base:",
  );
  const kb = await must("search_knowledge", { query: String(injTicket.subject), limit: 3 });
  const articles = (kb.data.articles as { id: string; score: number }[] | undefined) ?? [];
  t.plain(`<- ${articles.map((a) => `${a.id} (score ${a.score.toFixed(2)})`).join(", ")}`);
  const injSubmit = proposalFor(inj, injTicket);
  const injRec = (await must("submit_triage_recommendation", injSubmit)).data.recommendation as Record<
    string,
    unknown
  >;
  t.reply(pick(injRec, ["id", "team", "securityRisk", "escalationReasons", "requiredTeam", "resolution"]));
  check(injRec.resolution === "pending", "a new recommendation is pending");
  t.say(
    "The server computed the escalation reasons and the required team itself; the text's claim that the " +
      "request was 'approved by the account owner' approved nothing: the recommendation is pending.",
  );
  const injAfter = await readTicket(inj.id);
  t.reply(pick(injAfter, ["id", "status", "team", "revision"]));
  check(injAfter.revision === injTicket.revision, "submission leaves the ticket unchanged");
  t.say("Submitting changed nothing on the ticket. An approval needs a human's explicit confirmation:");
  const noConfirm = await call("approve_triage_recommendation", {
    recommendationId: injRec.id,
    ticketId: inj.id,
    expectedRevision: injTicket.revision,
    approvedFields: ["team"],
    actor: "ticket-text",
    confirm: false,
  });
  check(!noConfirm.ok, "an approval without confirm: true is refused");
  t.error(noConfirm.text);
  const noFields = await call("approve_triage_recommendation", {
    recommendationId: injRec.id,
    ticketId: inj.id,
    expectedRevision: injTicket.revision,
    approvedFields: [],
    actor: "ticket-text",
    confirm: true,
  });
  check(!noFields.ok, "an approval that names no field is refused");
  t.error(noFields.text);
  t.say(
    "Both refused: approval names the fields a reviewer accepted, one by one. This one stays pending for a human.",
  );

  // 3. A security ticket, and a wrong team refused
  const sec = cast.security;
  t.heading(`A security ticket must go to security (${sec.id})`);
  const secTicket = await readTicket(sec.id);
  t.reply(pick(secTicket, ["id", "subject", "status", "team", "revision"]));
  t.say("Suppose an agent sees 'API key' and proposes the API team, while still rating the security risk:");
  const wrong = (
    await must(
      "submit_triage_recommendation",
      proposalFor(sec, secTicket, { team: "api-platform", assignee: null, confidence: 0.8 }),
    )
  ).data.recommendation as Record<string, unknown>;
  t.reply(pick(wrong, ["id", "team", "securityRisk", "escalationReasons", "requiredTeam"]));
  check(wrong.requiredTeam === "security", "a security risk requires the security team");
  const denied = await call("approve_triage_recommendation", {
    recommendationId: wrong.id,
    ticketId: sec.id,
    expectedRevision: secTicket.revision,
    approvedFields: ["category", "priority", "team"],
    actor: REVIEWER,
    confirm: true,
  });
  check(!denied.ok && denied.text.startsWith("POLICY_DENIED"), "approving the wrong team is POLICY_DENIED");
  t.error(denied.text);
  t.say("The policy refuses the approval even though a reviewer confirmed it; the ticket is unchanged.");

  t.heading("Reject a recommendation with feedback");
  const rejected = await must("reject_triage_recommendation", {
    recommendationId: wrong.id,
    ticketId: sec.id,
    actor: REVIEWER,
    feedback: "Exposed credentials are a security incident: route to security, not api-platform.",
  });
  t.reply(pick(rejected.data.auditEvent, ["seq", "action", "ticketId", "actor", "data"]));
  t.say("The rejection and its feedback are audited; a rejected recommendation can never be approved.");
  const good = (await must("submit_triage_recommendation", proposalFor(sec, secTicket))).data
    .recommendation as Record<string, unknown>;
  t.reply(
    pick(good, [
      "id",
      "category",
      "priority",
      "team",
      "assignee",
      "ticketStatus",
      "escalationReasons",
      "requiredTeam",
    ]),
  );
  check(good.team === "security", "the corrected recommendation proposes security");

  // 4. The outage cluster
  const source = cast.outageMembers[0] ?? "";
  t.heading(`An outage reported by several customers (${cast.outageGroup})`);
  const similar = await must("find_similar_tickets", { id: source });
  const candidates =
    (similar.data.candidates as { ticketId: string; confidence: number; evidence: string }[]) ?? [];
  for (const c of candidates) {
    const mark = cast.outageMembers.includes(c.ticketId) ? "same incident" : "other";
    t.plain(`<- ${c.ticketId}  confidence ${c.confidence.toFixed(3)}  [${mark}]  ${clip(c.evidence, 90)}`);
  }
  const linked = candidates.filter((c) => cast.outageMembers.includes(c.ticketId)).map((c) => c.ticketId);
  const unlinked = cast.outageMembers.filter((id) => id !== source && !linked.includes(id));
  check(linked.length > 0, "similarity links the outage cluster");
  t.say(
    `Similarity over subject and description links ${source} with ${linked.join(", ")}, although every ` +
      `customer words it differently.` +
      (unlinked.length > 0
        ? ` ${unlinked.join(", ")} is not among the candidates: similarity is lexical, so a report worded very ` +
          `differently (here partly in another language) can be missed. The agent still reads the queue, and ` +
          `npm run evaluate measures this recall.`
        : ""),
  );

  // 5. Approve named fields only, then read back
  t.heading(`Approve named fields only (${sec.id})`);
  t.say(
    "The reviewer accepts category, priority and team, but not the assignee, status, tags or the customer " +
      "reply. Only those three fields are applied:",
  );
  const approved = await must("approve_triage_recommendation", {
    recommendationId: good.id,
    ticketId: sec.id,
    expectedRevision: secTicket.revision,
    approvedFields: ["category", "priority", "team"],
    actor: REVIEWER,
    confirm: true,
  });
  const approvedEvent = approved.data.auditEvent as Record<string, unknown>;
  t.reply(pick(approvedEvent, ["seq", "action", "actor", "fromRevision", "toRevision"]));
  for (const c of (approvedEvent.changes as
    { field: string; before: unknown; after: unknown }[] | undefined) ?? []) {
    t.plain(`   change: ${c.field}: ${JSON.stringify(c.before)} -> ${JSON.stringify(c.after)}`);
  }
  const after = await readTicket(sec.id);
  t.reply(
    pick(after, [
      "id",
      "category",
      "priority",
      "team",
      "assignee",
      "status",
      "tags",
      "customerResponse",
      "revision",
    ]),
  );
  t.say(
    `Revision ${secTicket.revision} -> ${after.revision}. The proposed assignee, status "in-progress", tags and ` +
      "customer reply were not approved, so the ticket does not have them.",
  );
  check(
    after.team === "security" && after.revision === secTicket.revision + 1,
    "approval applies the team and bumps the revision",
  );
  check(after.status === secTicket.status, "status was not approved and is unchanged");
  const audit = await must("get_audit_events", { ticketId: sec.id });
  const events = (audit.data.events as Record<string, unknown>[]) ?? [];
  for (const e of events) {
    const extra = typeof e.reason === "string" ? `  ${clip(e.reason, 80)}` : "";
    t.plain(`<- #${String(e.seq)} ${String(e.action)} by ${String(e.actor)}${extra}`);
  }
  t.say(
    "Every step is in the append-only, hash-chained audit log: both submissions, the refused approval, the " +
      "rejection with its feedback and the approval with before/after values.",
  );

  // 6. Final metrics
  t.heading("Queue metrics after the session");
  const final = await must("get_queue_metrics", {});
  t.reply(
    pick(final.data, [
      "submittedRecommendations",
      "pendingRecommendations",
      "approvedRecommendations",
      "rejectedRecommendations",
      "acceptanceRate",
      "escalationCounts",
      "estimatedMinutesSaved",
    ]),
  );
}

export async function runDemo(io: DemoIo, options: DemoOptions = {}): Promise<DemoResult> {
  const t = new Transcript(io);
  const started = Date.now();
  let tempDir: string | undefined;
  let client: Client | undefined;
  let stderr = "";
  let stderrEnded: Promise<void> = Promise.resolve();
  const cleanup = (): void => {
    if (tempDir !== undefined && options.keep !== true)
      rmSync(tempDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  };
  // Interrupted: stop the server first (it may still be writing into the directory), then remove
  // the directory, then exit as the signal would have. A signal often comes twice (the terminal
  // signals the whole process group, and npm and tsx relay it again): later ones are ignored
  // instead of killing the process halfway through the cleanup.
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    void (async () => {
      await client?.close().catch(() => undefined);
      try {
        cleanup();
      } catch (error) {
        process.stderr.write(`demo: could not remove ${tempDir}: ${(error as Error).message}\n`);
      }
      process.exit(128 + (constants.signals[signal] ?? 0));
    })();
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  try {
    const cast = castFromCatalogue();
    tempDir = mkdtempSync(join(tmpdir(), "triage-demo-"));
    const seedDir = join(tempDir, "seed");
    const knowledgeDir = join(tempDir, "knowledge");
    const dataRoot = join(tempDir, "runtime");
    cpSync(join(PACKAGE_ROOT, "data", "seed"), seedDir, { recursive: true });
    cpSync(join(PACKAGE_ROOT, "data", "knowledge"), knowledgeDir, { recursive: true });
    const server = options.server ?? serverCommand();

    t.plain("Support triage MCP server: demo");
    t.plain(`Temporary runtime: ${tempDir}`);
    t.plain(`Server: ${server.description}, over stdio, driven by the MCP SDK Client`);

    const transport = new StdioClientTransport({
      command: server.command,
      args: server.args,
      cwd: PACKAGE_ROOT,
      env: {
        TRIAGE_DATA_ROOT: dataRoot,
        TRIAGE_SEED_FILE: join(seedDir, "tickets.json"),
        TRIAGE_KNOWLEDGE_ROOT: knowledgeDir,
        TRIAGE_MINUTES_SAVED: "8",
      },
      stderr: "pipe",
    });
    const stderrStream = transport.stderr;
    if (stderrStream !== null) {
      stderrStream.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      stderrEnded = new Promise((done) => stderrStream.once("end", () => done()));
    }
    client = new Client({ name: "triage-demo", version: "1.0.0" });
    await client.connect(transport);
    const { tools } = await client.listTools();
    t.plain(
      `Connected to ${client.getServerVersion()?.name ?? "server"} ${client.getServerVersion()?.version ?? ""}: ` +
        `${tools.length} tools`,
    );

    await drive(client, t, cast);
    await client.close();
    client = undefined;
    cleanup();
    t.plain("");
    const took = `Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`;
    if (options.keep === true) {
      const review = reviewCommand(
        dataRoot,
        pathToFileURL(server.paths ?? join(PACKAGE_ROOT, "src", "paths.ts")).href,
      );
      t.plain(`${took} Kept the runtime ${dataRoot}.`);
      t.plain(`Review what the demo left pending: ${review}`);
      t.plain(`Remove it when done: rm -rf ${tempDir}`);
    } else {
      t.plain(`${took} Removed the temporary runtime ${tempDir}.`);
    }
    return { exitCode: 0, tempDir };
  } catch (error) {
    t.plain("");
    t.plain(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    // Stop the server first, then give its last words a moment to arrive.
    if (client !== undefined) await client.close().catch(() => undefined);
    client = undefined;
    await Promise.race([stderrEnded, new Promise((done) => setTimeout(done, 1_000).unref())]);
    if (stderr.trim() !== "") t.plain(`server stderr:\n${stderr.trimEnd()}`);
    return { exitCode: 1, tempDir };
  } finally {
    if (client !== undefined) await client.close().catch(() => undefined);
    cleanup();
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  }
}

const SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

const USAGE = `Usage: npm run demo [-- --keep]

Starts the server on a temporary copy of the bundled data and drives it like an AI client.
  --keep       keep the temporary runtime and print the reviewer command for it
  -h, --help   show this help
`;

const OPTIONS = { keep: { type: "boolean" } } as const;

const DEMO: Command<typeof OPTIONS, DemoOptions, CommandIo> = {
  name: "demo",
  usage: USAGE,
  options: OPTIONS,
  parse: ({ values }) => ({ keep: values.keep === true }),
  run: async (options, io) => (await runDemo({ out: (line) => io.stdout(`${line}\n`) }, options)).exitCode,
};

await runIfMain(import.meta.url, "demo", (argv) => runCommand(DEMO, argv, PROCESS_IO));
