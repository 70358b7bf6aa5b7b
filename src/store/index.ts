// The store's public surface. The service depends on types.ts only (TriageStore); the rest is
// for wiring (openFileStore), operations (verifyAuditLog) and tests (crash points).
export type * from "./types.js";
export {
  FileStore,
  InvalidAuditEventError,
  openFileStore,
  type FileStoreOptions,
  type StoreLogger,
} from "./file-store.js";
export type { SeedResult, SeedSource } from "./init.js";
export type { Inconsistency } from "./state.js";
export {
  RuntimeNotInitializedError,
  verifyAuditLog,
  type VerifyProblem,
  type VerifyResult,
} from "./verify.js";
export { CRASH_POINTS, type CrashPoint } from "./crash-points.js";
export {
  approvalHandoffSchema,
  handoffAttemptedDataSchema,
  handoffDeliveredDataSchema,
  handoffFailedDataSchema,
  noteAddedDataSchema,
  ticketCreatedDataSchema,
  ticketsImportedDataSchema,
  type HandoffAttemptedData,
  type HandoffDeliveredData,
  type HandoffFailedData,
  type NoteAddedData,
  type TicketCreatedData,
  type TicketsImportedData,
} from "./event-data.js";
export { ORPHAN_GRACE_MS } from "./imports.js";
export { GENESIS_HASH } from "./event-codec.js";
