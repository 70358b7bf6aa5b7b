import { DomainError } from "../../domain/errors.js";
import { LIMITS } from "../../domain/inputs.js";
import { approvalPreview, type ReviewPacket } from "../../domain/review-packet.js";
import type { Triage } from "../../service/runtime.js";
import { UsageError } from "../command.js";
import {
  approval,
  checkActor,
  decide,
  fieldNames,
  pending,
  rejection,
  resolveFields,
  type Decided,
  type ReviewIo,
} from "./decide.js";
import { renderDiff, renderEvidence, renderPendingList, type PendingEntry } from "./render.js";
import { fit } from "./wrap.js";

// The interactive loop: list, pick, read, decide, repeat. Every decision is confirmed with
// [y/N], and a refusal is printed after the list that follows it, so that it stays on the screen
// next to the question of what to do next. End of input quits.

/** How reviewing one recommendation ended. */
type Ended =
  | { readonly kind: "next" }
  | { readonly kind: "quit" }
  | { readonly kind: "refused"; readonly target: Decided; readonly error: DomainError };

type Ask = (prompt: string) => Promise<string | undefined>;

const YES = /^y(es)?$/i;

/** The refusal of the last decision and what to do next, shown below the list that follows it. */
function refusalText(ended: Extract<Ended, { kind: "refused" }>, entries: readonly PendingEntry[]): string {
  const { target, error } = ended;
  const at = entries.findIndex((e) => e.rec.id === target.recommendationId);
  const next =
    at === -1
      ? `Next: the recommendation for ${target.ticketId} is no longer pending; nothing is left to decide on it.`
      : `Next: it is still pending, number ${at + 1} above: pick ${at + 1} to approve other fields or to reject it with feedback.`;
  return `\nNot decided (${target.ticketId}): ${error.code}: ${error.message}\n${next}\n`;
}

/** `read` with its prompt fitted to the terminal: all but the prompt's last line are printed first. */
function fittedAsk(io: ReviewIo, read: Ask): Ask {
  return (prompt) => {
    const lines = fit(prompt, io.columns).split("\n");
    const last = lines.pop() ?? "";
    if (lines.length > 0) io.stdout(`${lines.join("\n")}\n`);
    return read(last);
  };
}

/** The interactive review; returns the exit status (0: the reviewer quit or the input ended). */
export async function interactive(
  triage: Triage,
  io: ReviewIo,
  actorGiven: string | undefined,
): Promise<number> {
  if (io.readLine === undefined) {
    throw new UsageError("interactive review needs a terminal (or --interactive).");
  }
  const ask = fittedAsk(io, io.readLine);
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
  let last: Ended = { kind: "next" };
  for (;;) {
    const entries = pending(triage.service);
    io.stdout(renderPendingList(entries, true, io.columns));
    if (last.kind === "refused") io.stdout(fit(refusalText(last, entries), io.columns));
    if (entries.length === 0) return 0;
    const range = entries.length === 1 ? "1" : `1-${entries.length}`;
    const pick = (await ask(`Review which one? [${range}, q to quit] `))?.trim().toLowerCase();
    if (pick === undefined || pick === "q" || pick === "quit") return 0;
    const entry = entries[Number(pick) - 1];
    if (!/^\d+$/.test(pick) || entry === undefined) {
      io.stdout(`"${pick}" is not a number from the list.\n`);
      last = { kind: "next" };
      continue;
    }
    last = await reviewOne(triage, io, entry, ask, reviewer);
    if (last.kind === "quit") return 0;
    io.stdout("\n");
  }
}

/** Shows one recommendation and takes the reviewer's decision on it. */
async function reviewOne(
  triage: Triage,
  io: ReviewIo,
  entry: PendingEntry,
  ask: Ask,
  reviewer: () => Promise<string | undefined>,
): Promise<Ended> {
  const { approvals } = triage;
  let packet: ReviewPacket;
  const listed: Decided = {
    recommendationId: entry.rec.id,
    ticketId: entry.rec.ticketId,
    sourceRevision: entry.rec.sourceRevision,
  };
  try {
    // Read again: another reviewer or a server may have moved things since the list.
    packet = approvals.review(entry.rec.id);
  } catch (error) {
    if (error instanceof DomainError) return { kind: "refused", target: listed, error };
    throw error;
  }
  const target: Decided = {
    recommendationId: packet.recommendationId,
    ticketId: packet.ticket.id,
    sourceRevision: packet.sourceRevision,
  };
  const width = io.columns;
  // A decision is taken only on "y": anything else says `declined` and asks again.
  const confirmed = async (question: string, declined: string): Promise<"yes" | "no" | "quit"> => {
    const answer = (await ask(question))?.trim();
    if (answer === undefined) return "quit";
    if (YES.test(answer)) return "yes";
    io.stdout(declined);
    return "no";
  };
  io.stdout(`\n${renderEvidence(packet, width)}\n${renderDiff(packet, width)}\n`);
  const proposed = packet.fields.map((row) => row.field);
  const blocked = packet.approval.approvable ? undefined : packet.approval;
  const question =
    blocked === undefined
      ? `Approve which fields? [${proposed.join(",")} | all] or r = reject, s = skip, q = quit: `
      : `It cannot be approved (${blocked.code}): r = reject, s = skip, q = quit: `;
  for (;;) {
    const choice = (await ask(question))?.trim();
    if (choice === undefined || choice.toLowerCase() === "q") return { kind: "quit" };
    if (choice === "" || choice.toLowerCase() === "s") return { kind: "next" };
    let decision;
    if (choice.toLowerCase() === "r") {
      const feedback = (await ask("Feedback (why reject; required): "))?.trim();
      if (feedback === undefined) return { kind: "quit" };
      if (feedback === "") {
        io.stdout("Nothing rejected: a rejection needs feedback.\n");
        continue;
      }
      const name = await reviewer();
      if (name === undefined) return { kind: "quit" };
      const answer = await confirmed(
        `Reject the recommendation for ${target.ticketId} as ${name}? [y/N] `,
        "Nothing rejected.\n",
      );
      if (answer === "quit") return { kind: "quit" };
      if (answer === "no") continue;
      decision = rejection(target, feedback, name);
    } else {
      if (blocked !== undefined) {
        io.stdout(
          fit(
            `Cannot be approved: ${blocked.code}: ${blocked.message}\nType r to reject it with feedback, or s to skip it.\n`,
            width,
          ),
        );
        continue;
      }
      let fields;
      try {
        fields = resolveFields(fieldNames(choice), proposed);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        io.stdout(`${error.message}\n`);
        continue;
      }
      const name = await reviewer();
      if (name === undefined) return { kind: "quit" };
      // Said before the question, from the packet; the approval service still decides.
      const preview = approvalPreview(packet, fields);
      if (preview !== null) {
        io.stdout(
          fit(`Warning: the policy refuses this choice: ${preview.code}: ${preview.message}\n`, width),
        );
      }
      const answer = await confirmed(
        `Apply ${fields.join(", ")} to ${target.ticketId} as ${name}? [y/N] `,
        "Nothing applied.\n",
      );
      if (answer === "quit") return { kind: "quit" };
      if (answer === "no") continue;
      decision = approval(target, fields, name);
    }
    try {
      await decide(approvals, io, decision);
      return { kind: "next" };
    } catch (error) {
      if (error instanceof DomainError) return { kind: "refused", target, error };
      throw error;
    }
  }
}
