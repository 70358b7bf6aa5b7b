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
export { GENESIS_HASH } from "./event-codec.js";
