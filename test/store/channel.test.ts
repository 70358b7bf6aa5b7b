import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import type { AuditEvent, Channel } from "../../src/domain/schemas.js";
import {
  decodeLine,
  encodeEvent,
  GENESIS_HASH,
  type UnhashedEvent,
} from "../../src/store/core/event-codec.js";
import { verifyAuditLog } from "../../src/store/index.js";
import { approveBody, rejectBody, submitBody, withExtras } from "./fixtures/drafts.js";
import { cleanupTempDirs, open, readLog, tempDir } from "./fixtures/helpers.js";

afterAll(cleanupTempDirs);

const ELICITATION = { type: "elicitation", client: { name: "inspector", version: "0.9.1" } } as const;

/** seq 1 submit, 2 approve (elicitation), 3 submit, 4 reject (operator, no client), 5 submit. */
async function runtimeWithChannels(): Promise<string> {
  const root = tempDir("channel");
  const store = await open(root);
  const first = await store.transact(submitBody("TKT-1"));
  // Keys in another order than the schema's: the stored line is canonical all the same.
  const reordered = { client: { version: "0.9.1", name: "inspector" }, type: "elicitation" } as Channel;
  await store.transact(withExtras(approveBody(first.id), { channel: reordered }));
  const second = await store.transact(submitBody("TKT-2"));
  await store.transact(withExtras(rejectBody(second.id), { channel: { type: "operator" } }));
  await store.transact(submitBody("TKT-3"));
  await store.close();
  return root;
}

function logLines(root: string): string[] {
  return readFileSync(join(root, "audit.jsonl"), "utf8").trimEnd().split("\n");
}

function rewriteLine(root: string, index: number, edit: (line: string) => string): void {
  const lines = logLines(root);
  lines[index] = edit(lines[index] as string);
  writeFileSync(join(root, "audit.jsonl"), `${lines.join("\n")}\n`);
}

describe("approval channel on audit events", () => {
  it("is stored right after actor, round-trips through the log and a reopen, and the chain verifies", async () => {
    const root = await runtimeWithChannels();
    const events = readLog(root);
    const approved = events[2] as AuditEvent;
    expect(Object.keys(approved)).toEqual([
      "seq",
      "id",
      "timestamp",
      "action",
      "ticketId",
      "actor",
      "channel",
      "recommendationId",
      "fromRevision",
      "toRevision",
      "changes",
      "prevHash",
      "hash",
    ]);
    expect(logLines(root)[2]).toContain(
      '"actor":"reviewer","channel":{"type":"elicitation","client":{"name":"inspector","version":"0.9.1"}},',
    );
    expect(approved.channel).toEqual(ELICITATION);
    expect(events[4]?.channel).toEqual({ type: "operator" });
    // Events without a channel (all older logs) have no such key and stay valid.
    expect(events.filter((e) => "channel" in e).map((e) => e.seq)).toEqual([2, 4]);
    expect(verifyAuditLog(root)).toMatchObject({ ok: true, events: 6 });

    const reopened = await open(root);
    expect(reopened.inconsistencies).toEqual([]);
    expect((await reopened.getAuditEvent(2))?.channel).toEqual(ELICITATION);
    expect(
      (await reopened.listAuditEvents({ ticketId: "TKT-2" }, { offset: 0, limit: 10 })).items[1],
    ).toEqual(events[4]);
    await reopened.close();
  });

  it.each([
    ["its type changed", (l: string) => l.replace('"type":"elicitation"', '"type":"operator"')],
    ["its client version changed", (l: string) => l.replace('"version":"0.9.1"', '"version":"0.9.2"')],
    [
      "it removed",
      (l: string) =>
        l.replace(',"channel":{"type":"elicitation","client":{"name":"inspector","version":"0.9.1"}}', ""),
    ],
  ])("is covered by the hash: an event with %s is altered", async (_name, edit) => {
    const root = await runtimeWithChannels();
    const before = logLines(root)[2] as string;
    rewriteLine(root, 2, edit);
    expect(logLines(root)[2]).not.toBe(before);
    expect(verifyAuditLog(root)).toMatchObject({ ok: false, seq: 2, line: 3, problem: "altered" });
    const error = await open(root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).message).toMatch(/damaged after seq 1: .*hash does not match its content/);
  });

  it("is covered by the hash: a channel added to an event that had none is altered", async () => {
    const root = await runtimeWithChannels();
    rewriteLine(root, 5, (l) =>
      l.replace('"actor":"agent",', '"actor":"agent","channel":{"type":"operator"},'),
    );
    expect(logLines(root)[5]).toContain('"channel":{"type":"operator"}');
    expect(verifyAuditLog(root)).toMatchObject({ ok: false, seq: 5, line: 6, problem: "altered" });
  });

  it("is covered by the chain: a channel changed and the event re-hashed breaks the next link", async () => {
    const root = await runtimeWithChannels();
    rewriteLine(root, 2, (l) => {
      const { hash: _h, ...rest } = JSON.parse(l) as UnhashedEvent & { hash: string };
      return encodeEvent({ ...rest, channel: { type: "operator" } }).line;
    });
    expect(verifyAuditLog(root)).toMatchObject({ ok: false, seq: 3, line: 4, problem: "chain-broken" });
  });

  it("refuses a channel that is not one of the three types", () => {
    const event = {
      seq: 1,
      id: "0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f",
      timestamp: "2026-06-01T12:00:00.000Z",
      action: "approval-rejected",
      ticketId: "TKT-1",
      actor: "reviewer",
      channel: { type: "email" },
      prevHash: GENESIS_HASH,
    } as unknown as UnhashedEvent;
    expect(decodeLine(encodeEvent(event).line)).toMatchObject({ ok: false, problem: "invalid", seq: 1 });
    expect(decodeLine(encodeEvent({ ...event, channel: { type: "chat" } }).line)).toMatchObject({
      ok: true,
      event: { channel: { type: "chat" } },
    });
  });
});
