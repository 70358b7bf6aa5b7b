// The store's one door: code outside src/store imports this module only (the architecture test
// enforces it). The service depends on types.ts (TriageStore, StoreView, TxOutcome); the rest is
// for wiring (openFileStore), operations (verifyAuditLog, the runtime lock and presence records
// that `reset` checks, the layout of a runtime directory) and the crash tests (the steps).
//
// Inside: core/ is what any backend shares (the state and its tables, the reducer, the event
// codec and hash chain, the transaction rules), and does no file I/O; file/ is the file-backed
// store (the log, the commit protocol with its journal and lock, recovery, snapshots);
// postgres/ is the PostgreSQL-backed store (audit_events, query tables, migrations, LISTEN/NOTIFY).
export type * from "./types.js";
export { InvalidAuditEventError } from "./core/transaction.js";
export { GENESIS_HASH } from "./core/event-codec.js";
export type { Inconsistency } from "./core/state.js";
export { reachStep, STEP_CHANNEL, STEPS, type Step } from "./core/steps.js";
export { FileStore, openFileStore, type FileStoreOptions, type StoreLogger } from "./file/file-store.js";
export { ORPHAN_GRACE_MS } from "./file/imports.js";
export type { SeedResult, SeedSource } from "./core/seed.js";
export { layoutOf, manifestSchema, type Layout } from "./file/layout.js";
export { LOCK_STALE_MS, RuntimeLock, type HeldLock } from "./file/lock.js";
export { livePresences } from "./file/presence.js";
export { openPostgresStore, PostgresStore, type PostgresStoreOptions } from "./postgres/pg-store.js";
export { checkDatabaseUrl, describeDatabase, redactUrl } from "./postgres/connection.js";
export { DatabaseNotInitializedError, verifyDatabaseAudit } from "./postgres/verify.js";
export { copyRuntimeToDatabase, RuntimeCopyRefused, type CopyResult } from "./copy-runtime.js";
export { migrateDatabase, SCHEMA_VERSION, type MigrateResult } from "./postgres/schema.js";
export {
  RuntimeNotInitializedError,
  verifyAuditLog,
  type VerifyProblem,
  type VerifyResult,
} from "./file/verify.js";
