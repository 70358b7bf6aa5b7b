import { APPROVABLE_FIELDS, type ApprovableField } from "../../domain/enums.js";
import { DomainError } from "../../domain/errors.js";
import { UUID_PATTERN } from "../../domain/ids.js";
import { LIMITS } from "../../domain/inputs.js";
import { proposedFields } from "../../domain/policy/index.js";
import type { Channel, Recommendation } from "../../domain/schemas.js";
import type { ApprovalDecision, ApprovalService } from "../../service/approval-service.js";
import type { Triage } from "../../service/runtime.js";
import type { TriageService } from "../../service/triage-service.js";
import { runCommand, UsageError, type Command, type CommandIo, type ParsedArgs } from "../command.js";
import { openExistingRuntime } from "../open-runtime.js";
import {
  pendingJson,
  renderApproved,
  renderDiff,
  renderEvidence,
  renderPendingList,
  renderRejected,
  type PendingEntry,
} from "./render.js";

export const CLIENT_NAME = "support-triage-mcp review";

export const USAGE = `Usage: support-triage-mcp review [command] [options]

The reviewer's own channel: decide on triage recommendations in a terminal, outside any AI
client. Works on the same runtime directory as running servers. Decisions are audited with
channel "operator".

Commands:
  (none)                          interactive: pick a pending recommendation, read the evidence
                                  and the before/after of each field, approve fields or reject
  list [--json]                   pending recommendations
  show <recommendationId>         evidence and before/after of one recommendation
  approve <recommendationId> --fields a,b --actor NAME [--edited-response TEXT]
                                  apply exactly these fields ("all" = every proposed field)
  reject <recommendationId> --feedback TEXT --actor NAME

Options:
  --data-root DIR     the runtime directory (default: TRIAGE_DATA_ROOT, else the per-user runtime)
  --actor NAME        who decides, recorded in the audit log (asked for in interactive mode)
  --interactive       read answers from stdin even when it is not a terminal
  -h, --help          show this help
  --version           print the version

Fields: ${APPROVABLE_FIELDS.join(", ")}.
Exit status: 0 done, 1 refused (prints CODE: message), 2 usage error.
`;

export interface ReviewIo extends CommandIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** The package version, recorded as the client version of the operator channel. */
  readonly version: string;
  /** Reads one answer; undefined at end of input. Absent when there is no way to ask. */
  readonly readLine?: ((prompt: string) => Promise<string | undefined>) | undefined;
  /** True when stdin is a terminal (interactive mode needs one, or --interactive). */
  readonly isTTY: boolean;
}

interface Options {
  readonly command: "interactive" | "list" | "show" | "approve" | "reject";
  readonly id?: string;
  readonly json: boolean;
  readonly fields?: string;
  readonly actor?: string;
  readonly feedback?: string;
  readonly editedResponse?: string;
  readonly dataRoot?: string;
  readonly interactive: boolean;
}

const ALLOWED: Record<Options["command"], readonly string[]> = {
  interactive: ["data-root", "actor", "interactive"],
  list: ["data-root", "json"],
  show: ["data-root"],
  approve: ["data-root", "fields", "actor", "edited-response"],
  reject: ["data-root", "feedback", "actor"],
};

const OPTIONS = {
  "data-root": { type: "string" },
  json: { type: "boolean" },
  fields: { type: "string" },
  actor: { type: "string" },
  feedback: { type: "string" },
  "edited-response": { type: "string" },
  interactive: { type: "boolean" },
} as const;

function parse({ values, positionals }: ParsedArgs<typeof OPTIONS>, io: ReviewIo): Options {
  const [word, id, ...rest] = positionals;
  const command = (word ?? "interactive") as Options["command"];
  if (!(command in ALLOWED)) {
    throw new UsageError(
      `unknown command "${word}". Commands: list, show, approve, reject (none: interactive).`,
    );
  }
  const given = Object.keys(values).filter((k) => values[k as keyof typeof values] !== undefined);
  const extra = given.filter((k) => !ALLOWED[command].includes(k));
  if (extra.length > 0) {
    throw new UsageError(
      `${extra.map((k) => `--${k}`).join(", ")} cannot be used with "${word ?? "review"}".`,
    );
  }
  const needsId = command === "show" || command === "approve" || command === "reject";
  if (needsId && id === undefined) throw new UsageError(`"${command}" needs a recommendation id.`);
  if ((!needsId && id !== undefined) || rest.length > 0) {
    throw new UsageError(`unexpected argument "${needsId ? rest[0] : id}".`);
  }
  if (id !== undefined && !UUID_PATTERN.test(id)) {
    throw new UsageError(`"${id}" is not a recommendation id (a UUID; see \`review list\`).`);
  }
  if (command === "interactive" && !io.isTTY && values.interactive !== true) {
    throw new UsageError("interactive review needs a terminal; use a command below, or --interactive.");
  }
  return {
    command,
    ...(id === undefined ? {} : { id }),
    json: values.json === true,
    ...(values.fields === undefined ? {} : { fields: values.fields }),
    ...(values.actor === undefined ? {} : { actor: values.actor }),
    ...(values.feedback === undefined ? {} : { feedback: values.feedback }),
    ...(values["edited-response"] === undefined ? {} : { editedResponse: values["edited-response"] }),
    ...(values["data-root"] === undefined ? {} : { dataRoot: values["data-root"] }),
    interactive: values.interactive === true,
  };
}

function checkActor(actor: string | undefined): string {
  if (actor === undefined)
    throw new UsageError("--actor NAME is required: who decides is recorded in the audit log.");
  const trimmed = actor.trim();
  if (trimmed === "") throw new UsageError("--actor is blank.");
  if (trimmed.length > LIMITS.actor)
    throw new UsageError(`--actor is longer than ${LIMITS.actor} characters.`);
  return trimmed;
}

/** Field names from "a,b", or "all"; unknown names are a usage error. */
export function fieldNames(text: string): ApprovableField[] | "all" {
  const names = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (names.length === 1 && names[0]?.toLowerCase() === "all") return "all";
  if (names.length === 0)
    throw new UsageError(`no fields given. Fields: ${APPROVABLE_FIELDS.join(", ")}, or "all".`);
  const unknown = names.filter((n) => !(APPROVABLE_FIELDS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown field(s): ${unknown.join(", ")}. Fields: ${APPROVABLE_FIELDS.join(", ")}, or "all".`,
    );
  }
  return names as ApprovableField[];
}

/** "all" means every field the recommendation proposes, and nothing it does not. */
function resolveFields(
  names: ApprovableField[] | "all",
  proposed: readonly ApprovableField[],
): ApprovableField[] {
  return names === "all" ? [...proposed] : names;
}

/** Every pending recommendation, oldest first, with its ticket as it is now. */
function pending(service: TriageService): PendingEntry[] {
  const page = service.listRecommendations({
    resolution: "pending",
    offset: 0,
    limit: Number.MAX_SAFE_INTEGER,
  });
  return page.items.map((rec) => {
    let ticket;
    try {
      ticket = service.getTicket(rec.ticketId);
    } catch {
      ticket = undefined;
    }
    return { rec, ticket };
  });
}

function operator(io: ReviewIo): Channel {
  return { type: "operator", client: { name: CLIENT_NAME, version: io.version } };
}

/** The recommendation a decision is about, as the reviewer saw it. */
interface Decided {
  readonly recommendationId: string;
  readonly ticketId: string;
  /** The reviewer approves what they saw: the recommendation as made against its source revision. */
  readonly sourceRevision: number;
}

const decided = (rec: Recommendation): Decided => ({
  recommendationId: rec.id,
  ticketId: rec.ticketId,
  sourceRevision: rec.sourceRevision,
});

/** Hands the reviewer's decision to the approval service and prints what came of it; a refusal is thrown. */
async function decide(approvals: ApprovalService, io: ReviewIo, decision: ApprovalDecision): Promise<void> {
  const outcome = await approvals.decide(decision, operator(io));
  switch (outcome.kind) {
    case "approved":
      io.stdout(renderApproved(decision.recommendationId, outcome));
      return;
    case "rejected":
      io.stdout(
        renderRejected(decision.recommendationId, decision.ticketId, outcome.auditEvent, outcome.feedback),
      );
      return;
    case "refused":
      throw outcome.error;
  }
}

function approval(
  target: Decided,
  fields: ApprovableField[],
  actor: string,
  editedResponse?: string,
): ApprovalDecision {
  return {
    kind: "approve",
    recommendationId: target.recommendationId,
    ticketId: target.ticketId,
    expectedRevision: target.sourceRevision,
    approvedFields: fields,
    actor,
    ...(editedResponse === undefined ? {} : { editedCustomerResponse: editedResponse }),
  };
}

function rejection(target: Decided, feedback: string, actor: string): ApprovalDecision {
  return {
    kind: "reject",
    recommendationId: target.recommendationId,
    ticketId: target.ticketId,
    actor,
    feedback,
  };
}

async function runReviewCommand(options: Options, triage: Triage, io: ReviewIo): Promise<number> {
  const { service, approvals } = triage;
  switch (options.command) {
    case "list": {
      const entries = pending(service);
      io.stdout(
        options.json
          ? `${JSON.stringify(
              entries.map((e) => pendingJson(e, service.workspace.policy)),
              null,
              2,
            )}\n`
          : renderPendingList(entries),
      );
      return 0;
    }
    case "show": {
      const packet = approvals.review(options.id ?? "");
      io.stdout(`${renderEvidence(packet)}\n${renderDiff(packet)}`);
      return 0;
    }
    case "approve": {
      if (options.fields === undefined) throw new UsageError("--fields a,b is required (or --fields all).");
      const actor = checkActor(options.actor);
      if (options.editedResponse !== undefined && options.editedResponse.length > LIMITS.longText) {
        throw new UsageError(`--edited-response is longer than ${LIMITS.longText} characters.`);
      }
      const names = fieldNames(options.fields);
      const rec = service.getRecommendation(options.id ?? "");
      const fields = resolveFields(names, proposedFields(rec, service.workspace.policy));
      await decide(approvals, io, approval(decided(rec), fields, actor, options.editedResponse));
      return 0;
    }
    case "reject": {
      const actor = checkActor(options.actor);
      const feedback = options.feedback;
      if (feedback === undefined || feedback.trim() === "") {
        throw new UsageError(
          "--feedback TEXT is required: say why, so the next recommendation can do better.",
        );
      }
      if (feedback.length > LIMITS.feedback) {
        throw new UsageError(`--feedback is longer than ${LIMITS.feedback} characters.`);
      }
      const rec = service.getRecommendation(options.id ?? "");
      await decide(approvals, io, rejection(decided(rec), feedback, actor));
      return 0;
    }
    case "interactive":
      return interactive(triage, io, options.actor);
  }
}

function report(error: unknown, io: ReviewIo): void {
  if (error instanceof DomainError) io.stderr(`${error.code}: ${error.message}\n`);
  else throw error;
}

/**
 * The interactive loop: list, pick, read, decide, repeat. A refused decision is printed and the
 * loop goes on; end of input quits.
 */
async function interactive(triage: Triage, io: ReviewIo, actorGiven: string | undefined): Promise<number> {
  const { service, approvals } = triage;
  const ask = io.readLine;
  if (ask === undefined) throw new UsageError("interactive review needs a terminal (or --interactive).");
  let actor = actorGiven === undefined ? undefined : checkActor(actorGiven);
  // Asked once, at the first decision; undefined means the input ended.
  const reviewer = async (): Promise<string | undefined> => {
    while (actor === undefined) {
      const answer = (await ask("Your name or handle (recorded in the audit log): "))?.trim();
      if (answer === undefined) return undefined;
      if (answer !== "" && answer.length <= LIMITS.actor) actor = answer;
    }
    return actor;
  };
  for (;;) {
    const entries = pending(service);
    io.stdout(renderPendingList(entries, true));
    if (entries.length === 0) return 0;
    const range = entries.length === 1 ? "1" : `1-${entries.length}`;
    const pick = (await ask(`Review which one? [${range}, q to quit] `))?.trim().toLowerCase();
    if (pick === undefined || pick === "q" || pick === "quit") return 0;
    const entry = entries[Number(pick) - 1];
    if (!/^\d+$/.test(pick) || entry === undefined) {
      io.stdout(`"${pick}" is not a number from the list.\n`);
      continue;
    }
    let packet;
    try {
      // Read again: another reviewer or a server may have moved things since the list.
      packet = approvals.review(entry.rec.id);
    } catch (error) {
      report(error, io);
      continue;
    }
    const target: Decided = {
      recommendationId: packet.recommendationId,
      ticketId: packet.ticket.id,
      sourceRevision: packet.sourceRevision,
    };
    io.stdout(`\n${renderEvidence(packet)}\n${renderDiff(packet)}\n`);
    const proposed = packet.fields.map((row) => row.field);
    for (;;) {
      const choice = (
        await ask(`Approve which fields? [${proposed.join(",")} | all] or r = reject, s = skip, q = quit: `)
      )?.trim();
      if (choice === undefined || choice.toLowerCase() === "q") return 0;
      if (choice === "" || choice.toLowerCase() === "s") break;
      try {
        if (choice.toLowerCase() === "r") {
          const feedback = (await ask("Feedback (why reject; required): "))?.trim();
          if (feedback === undefined) return 0;
          if (feedback === "") {
            io.stdout("Nothing rejected: a rejection needs feedback.\n");
            continue;
          }
          const name = await reviewer();
          if (name === undefined) return 0;
          await decide(approvals, io, rejection(target, feedback, name));
          break;
        }
        const fields = resolveFields(fieldNames(choice), proposed);
        const name = await reviewer();
        if (name === undefined) return 0;
        const confirm = (
          await ask(`Apply ${fields.join(", ")} to ${target.ticketId} as ${name}? [y/N] `)
        )?.trim();
        if (confirm === undefined) return 0;
        if (!/^y(es)?$/i.test(confirm)) {
          io.stdout("Nothing applied.\n");
          continue;
        }
        await decide(approvals, io, approval(target, fields, name));
        break;
      } catch (error) {
        if (error instanceof UsageError) {
          io.stdout(`${error.message}\n`);
          continue;
        }
        report(error, io);
        break;
      }
    }
    io.stdout("\n");
  }
}

const REVIEW: Command<typeof OPTIONS, Options, ReviewIo> = {
  name: "review",
  usage: USAGE,
  options: OPTIONS,
  positionals: true,
  parse,
  run: async (options, io) => {
    const triage = await openExistingRuntime("review", options.dataRoot, io);
    try {
      return await runReviewCommand(options, triage, io);
    } finally {
      await triage.close();
    }
  },
};

/** `review ...`: returns the exit status (0 done, 1 refused, 2 usage error). */
export function runReview(argv: readonly string[], io: ReviewIo): Promise<number> {
  return runCommand(REVIEW, argv, io);
}
