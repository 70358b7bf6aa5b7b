import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { join } from "node:path";
import { importBatchRefSchema, parseAuditEvent } from "../../domain/audit-events.js";
import { decodeLine, GENESIS_HASH, sha256Hex } from "../core/event-codec.js";
import { errnoCode, forEachLine } from "./fs-util.js";
import { layoutOf, manifestSchema, type Layout, type Manifest } from "./layout.js";

import { EMPTY_LOG, type VerifyProblem, type VerifyResult } from "../core/verify-result.js";

export type { VerifyProblem, VerifyResult } from "../core/verify-result.js";

/** The directory holds no initialized runtime (no store.json), or it cannot be read. */
export class RuntimeNotInitializedError extends Error {
  override readonly name = "RuntimeNotInitializedError";
}

export function readManifest(layout: Layout): Manifest {
  let text: string;
  try {
    text = fs.readFileSync(layout.manifest, "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") {
      throw new RuntimeNotInitializedError(
        `${layout.root} is not an initialized triage runtime (no store.json).`,
      );
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${layout.manifest} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `${layout.manifest} is not a store manifest of format 1: ${parsed.error.issues[0]?.message ?? "?"}`,
    );
  }
  return parsed.data;
}

const SEQ_PREFIX = /^\{"seq":(\d+),/;

/** sha256 of a file, read in chunks (a batch can be tens of megabytes); undefined if missing. */
function fileSha256(path: string): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(path, "r");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw error;
  }
  try {
    const hash = createHash("sha256");
    const buf = Buffer.allocUnsafe(1024 * 1024);
    for (
      let n = fs.readSync(fd, buf, 0, buf.length, null);
      n > 0;
      n = fs.readSync(fd, buf, 0, buf.length, null)
    ) {
      hash.update(buf.subarray(0, n));
    }
    return hash.digest("hex");
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether some line after byte `from` starts with seq `seq` (tells "reordered" from "removed"). */
function occursLater(fd: number, from: number, size: number, seq: number): boolean {
  let found = false;
  forEachLine(fd, from, size, (text) => {
    found = Number(SEQ_PREFIX.exec(text)?.[1]) === seq;
    return !found;
  });
  return found;
}

/**
 * Checks the whole audit log of a runtime directory: every line's schema, hash and canonical
 * form, the sequence numbers, the hash chain from the genesis hash, the base ticket file
 * against the hash recorded in the seq-0 event, and every import batch against its event. Reads only; safe while a server is running.
 */
export function verifyAuditLog(dataRoot: string): VerifyResult {
  const layout = layoutOf(dataRoot);
  const manifest = readManifest(layout);
  let fd: number;
  try {
    fd = fs.openSync(layout.auditLog, "r");
  } catch (error) {
    if (errnoCode(error) === "ENOENT")
      throw new RuntimeNotInitializedError(`${layout.auditLog} does not exist.`);
    throw error;
  }
  try {
    const size = fs.fstatSync(fd).size;
    let expected = 0;
    let prevHash = GENESIS_HASH;
    let lineNo = 0;
    // Assigned inside the line callback, which control-flow analysis does not follow.
    let failure = undefined as VerifyResult | undefined;
    const fail = (seq: number, problem: VerifyProblem, detail: string): false => {
      failure = { ok: false, seq, line: lineNo, problem, detail };
      return false;
    };
    const end = forEachLine(fd, 0, size, (text, offset, length) => {
      lineNo++;
      const decoded = decodeLine(text);
      if (!decoded.ok) {
        if (decoded.problem === "unparseable") {
          const last = offset + length + 1 === size;
          return fail(expected, last ? "torn" : "invalid", `the line is ${decoded.detail}`);
        }
        return fail(decoded.seq ?? expected, decoded.problem, decoded.detail);
      }
      const event = decoded.event;
      if (event.seq !== expected) {
        if (event.seq < expected || occursLater(fd, offset + length + 1, size, expected)) {
          return fail(
            expected,
            "reordered",
            `line ${lineNo} holds seq ${event.seq} where seq ${expected} belongs`,
          );
        }
        return fail(expected, "removed", `seq ${expected} is missing: line ${lineNo} holds seq ${event.seq}`);
      }
      if (event.prevHash !== prevHash) {
        return fail(
          event.seq,
          "chain-broken",
          event.seq === 0
            ? "seq 0 does not start from the genesis hash"
            : `its prevHash is not the hash of seq ${event.seq - 1}: an earlier event was replaced`,
        );
      }
      if (event.seq === 0) {
        const typed = parseAuditEvent(event);
        if (!("event" in typed) || typed.event.action !== "runtime-initialized") {
          const why = "problem" in typed ? typed.problem : `it is ${event.action}`;
          return fail(
            0,
            "invalid",
            `seq 0 must be runtime-initialized with its store id and base hash: ${why}`,
          );
        }
        if (typed.event.data.storeId !== manifest.storeId) {
          return fail(0, "invalid", "seq 0 belongs to another store than store.json");
        }
        const actual = sha256Hex(fs.readFileSync(layout.baseTickets));
        if (typed.event.data.baseSha256 !== actual) {
          return fail(0, "base-altered", "base/tickets.json does not match the hash recorded at seq 0");
        }
      }
      if (event.action === "tickets-imported") {
        const batch = importBatchRefSchema.safeParse(event.data?.batch);
        if (!batch.success) return fail(event.seq, "invalid", "its data.batch does not name a batch file");
        const actual = fileSha256(join(layout.root, batch.data.file));
        if (actual === undefined) {
          return fail(
            event.seq,
            "batch-missing",
            `${batch.data.file}, the batch of its imported tickets, is missing`,
          );
        }
        if (actual !== batch.data.sha256) {
          return fail(
            event.seq,
            "batch-altered",
            `${batch.data.file} does not match the sha256 recorded in the event: the imported tickets were modified`,
          );
        }
      }
      prevHash = event.hash;
      expected++;
      return true;
    });
    if (failure !== undefined) return failure;
    if (end < size) {
      const detail = `the last ${size - end} bytes are an incomplete line (an interrupted append)`;
      return { ok: false, seq: expected, line: lineNo + 1, problem: "torn", detail };
    }
    if (expected === 0) return EMPTY_LOG;
    return { ok: true, events: expected, headHash: prevHash };
  } finally {
    fs.closeSync(fd);
  }
}
