import { APPROVABLE_FIELDS } from "../../domain/enums.js";
import { LIMITS } from "../../domain/inputs.js";
import { proposedFields } from "../../domain/policy/index.js";
import type { Triage } from "../../service/runtime.js";
import { runCommand, UsageError, type Command, type ParsedArgs } from "../command.js";
import { openExistingRuntime } from "../open-runtime.js";
import {
  approval,
  checkActor,
  checkIdText,
  decide,
  decided,
  fieldNames,
  pending,
  recommendationIdFrom,
  rejection,
  resolveFields,
  type ReviewIo,
} from "./decide.js";
import { interactive } from "./interactive.js";
import { pendingJson, renderDecision, renderDiff, renderEvidence, renderPendingList } from "./render.js";

export { CLIENT_NAME, type ReviewIo } from "./decide.js";

export const USAGE = `Usage: support-triage-mcp review [command] [options]

The reviewer's own channel: decide on triage recommendations in a terminal, outside any AI
client. Works on the same runtime directory as running servers. Decisions are audited with
channel "operator".

Commands:
  (none)                          interactive: pick a pending recommendation, read the evidence
                                  and the before/after of each field, approve fields or reject
  list [--json]                   pending recommendations
  show <recommendationId>         evidence and before/after of one recommendation, and what
                                  approving would meet; for a decided one, who decided, when,
                                  through which channel, and what it changed or the feedback
  approve <recommendationId> --fields a,b --actor NAME [--edited-response TEXT]
                                  apply exactly these fields ("all" = every proposed field)
  reject <recommendationId> --feedback TEXT --actor NAME

A recommendation id may be shortened to its first characters when no other id starts with them.
In interactive mode every approval and rejection is confirmed with [y/N].

Options:
  --data-root DIR     the runtime directory (default: TRIAGE_DATA_ROOT, else the per-user runtime)
  --actor NAME        who decides, recorded in the audit log (asked for in interactive mode)
  --interactive       read answers from stdin even when it is not a terminal
  -h, --help          show this help
  --version           print the version

Fields: ${APPROVABLE_FIELDS.join(", ")}.
Exit status: 0 done, 1 refused (prints CODE: message), 2 usage error.
`;

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
  if (id !== undefined) checkIdText(id);
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
          : renderPendingList(entries, false, io.columns),
      );
      return 0;
    }
    case "show": {
      const packet = approvals.review(recommendationIdFrom(service, options.id ?? ""));
      const width = io.columns;
      const rest =
        packet.resolution === "pending"
          ? renderDiff(packet, width)
          : renderDecision(packet, await approvals.decisionOf(packet.recommendationId), width);
      io.stdout(`${renderEvidence(packet, width)}\n${rest}`);
      return 0;
    }
    case "approve": {
      if (options.fields === undefined) throw new UsageError("--fields a,b is required (or --fields all).");
      const actor = checkActor(options.actor);
      if (options.editedResponse !== undefined && options.editedResponse.length > LIMITS.longText) {
        throw new UsageError(`--edited-response is longer than ${LIMITS.longText} characters.`);
      }
      const names = fieldNames(options.fields);
      const rec = service.getRecommendation(recommendationIdFrom(service, options.id ?? ""));
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
      const rec = service.getRecommendation(recommendationIdFrom(service, options.id ?? ""));
      await decide(approvals, io, rejection(decided(rec), feedback, actor));
      return 0;
    }
    case "interactive":
      return interactive(triage, io, options.actor);
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
