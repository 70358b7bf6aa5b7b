import { randomUUID } from "node:crypto";
import type pg from "pg";
import { AuditCopy } from "../audit-copy/audit-copy.js";
import type { StoreLogger } from "../core/options.js";
import type { StoreState } from "../core/state.js";
import { unavailable } from "../core/transaction.js";
import { describeDatabase } from "./connection.js";
import { BatchContext, foldNewEvents, readEvents, readLines } from "./events.js";
import { checkFirstEvent, holdsStore, initializeDatabase, loadBase } from "./init.js";
import type { PostgresStoreOptions } from "./pg-store.js";
import { migrate, schemaRefusal, schemaState } from "./schema.js";
import { loadSnapshot } from "./snapshots.js";

// Opening a store on a database: its schema checked (an empty database migrated, a newer or
// foreign one refused), initialized from the seed on first start, then the newest usable state
// snapshot read (or the base), and every event after it folded into the state, the local copy
// of the log checked on the way.

/** The state of the store in the database `client` is connected to, as of its last event. */
export async function loadStore(
  client: pg.ClientBase,
  options: PostgresStoreOptions,
  logger: StoreLogger,
): Promise<{ state: StoreState; storeId: string; copy: AuditCopy | undefined; snapshotSeq: number }> {
  const where = describeDatabase(options.url);
  const schema = await schemaState(client);
  const refusal = schemaRefusal(schema, where);
  if (refusal !== undefined) throw unavailable(refusal);
  if (options.existing === true && !(await holdsStore(client, schema))) {
    throw unavailable(
      `The database ${where} holds no triage store yet: start the server against it once (it initializes ` +
        `from the seed), or copy a runtime in with \`support-triage-mcp db import --from-runtime DIR\`. Nothing was changed.`,
    );
  }
  if (schema.kind === "empty") {
    const migrated = await migrate(client, where);
    if (migrated.applied.length > 0)
      logger.info(`created the triage schema (version ${migrated.to}) in ${where}`);
  }
  await initializeDatabase(client, {
    seed: options.seed,
    seedMetadata: options.seedMetadata ?? {},
    newId: options.newId ?? randomUUID,
    clock: options.clock ?? (() => new Date()),
    info: (m) => logger.info(m),
  });
  const snapshot =
    options.snapshotEvery === 0 ? undefined : await loadSnapshot(client, where, (m) => logger.warn(m));
  const base = await loadBase(client, where, snapshot === undefined);
  const { row } = base;
  const state = snapshot ?? base.state;
  const snapshotSeq = snapshot?.lastSeq ?? -1;
  const batches = new BatchContext();
  const copy =
    options.auditCopy === false ? undefined : AuditCopy.open(options.dataRoot, row.storeId, logger);
  if (copy !== undefined && copy.lastSeq >= 0 && copy.lastSeq <= state.lastSeq) {
    // The fold starts after the snapshot: the copy's last line is compared with the database's here.
    copy.folded(await readLines(client, copy.lastSeq, copy.lastSeq));
  }
  await foldNewEvents(
    client,
    state,
    batches,
    (m) => logger.warn(m),
    (lines) => copy?.folded(lines),
  );
  const [first] = await readEvents(client, [0]);
  if (first === undefined) throw unavailable(`The audit log of ${where} has no initialization event.`);
  checkFirstEvent(state, first, row, where);
  copy?.checkEnd(state.lastSeq);
  return { state, storeId: row.storeId, copy, snapshotSeq };
}
