import type { AuditEventDraft } from "../domain/audit-events.js";
import { DomainError } from "../domain/errors.js";
import type { TriageStore } from "../store/index.js";
import { describeUnknownValue, unknownStoredValues, type UnknownValue } from "./stored-values.js";
import type { LoadedWorkspace } from "./workspace.js";

// At start, against the runtime: stored values the workspace lacks stop the server unless the
// workspace's `renames` map them or the operator keeps them (TRIAGE_KEEP_UNKNOWN_VALUES=1). A
// workspace file that changed since the last start is recorded, once, as a `workspace-applied`
// audit event: its hash, and the renames it applied to the tickets. No event is rewritten.

/**
 * Stored tickets carry values the workspace does not have, or (with `seedFile`) the seed a new
 * runtime would be made from does: the server does not start.
 */
export class UnknownStoredValuesError extends Error {
  override readonly name = "UnknownStoredValuesError";

  constructor(
    readonly file: string,
    readonly values: readonly UnknownValue[],
    readonly seedFile?: string,
  ) {
    const listed = values.map((v) => `  ${describeUnknownValue(v)}`).join("\n");
    super(
      seedFile === undefined
        ? `Stored tickets carry values the workspace ${file} does not have:\n${listed}\n` +
            `Map each to a current value in the workspace's "renames" section (for example ` +
            `"renames": {"teams": {"old-team": "new-team"}}), applied once at the next start by an audited ` +
            `event; or set TRIAGE_KEEP_UNKNOWN_VALUES=1 to start anyway (the tickets keep them).`
        : `The seed ${seedFile} carries values the workspace ${file} does not have, so no runtime was ` +
            `made from it:\n${listed}\nA new runtime starts from TRIAGE_SEED_FILE: point it at a seed written ` +
            `in this workspace's values (examples/workspaces/ ships one next to each example workspace), ` +
            `map the values in the workspace's "renames" section, or set TRIAGE_KEEP_UNKNOWN_VALUES=1 to ` +
            `start anyway (the tickets keep them).`,
    );
  }
}

export interface ApplyOptions {
  readonly keepUnknownValues?: boolean | undefined;
  readonly clock: () => Date;
  /**
   * What a runtime without a record ran with: one from before workspace files ran with the
   * compiled-in taxonomy, which the bundled workspace is (its hash).
   */
  readonly baselineSha256: string;
  /** Told when the record cannot be written (a read-only runtime still serves reads). */
  readonly warn: (message: string) => void;
}

/** What start found and did. */
export interface WorkspaceApplied {
  /** The seq of the event recorded now, or undefined when the runtime already ran with this file. */
  readonly recordedSeq?: number | undefined;
  /** Values kept although the workspace lacks them (TRIAGE_KEEP_UNKNOWN_VALUES=1). */
  readonly kept: readonly UnknownValue[];
}

export async function applyWorkspace(
  store: TriageStore,
  loaded: LoadedWorkspace,
  options: ApplyOptions,
): Promise<WorkspaceApplied> {
  const { workspace, sha256 } = loaded;
  const unknown = unknownStoredValues(store.view(), workspace);
  const unmapped = unknown.filter((v) => v.renamedTo === undefined);
  if (unmapped.length > 0 && options.keepUnknownValues !== true) {
    throw new UnknownStoredValuesError(loaded.file, unmapped);
  }
  const renames = unknown.length - unmapped.length;
  // The usual start: nothing changed, nothing to write (and no lock to take).
  const last = store.view().workspaceApplied()?.sha256 ?? options.baselineSha256;
  if (renames === 0 && last === sha256) return { kept: unmapped };
  let recordedSeq: number | undefined;
  try {
    recordedSeq = await record(store, loaded, options);
  } catch (error) {
    // Renames must be applied before serving; a changed hash alone can wait for a writable runtime.
    if (!(error instanceof DomainError) || error.code !== "STORE_UNAVAILABLE" || renames > 0) throw error;
    options.warn(`the workspace change could not be recorded in the audit log: ${error.message}`);
  }
  return { recordedSeq, kept: unmapped };
}

async function record(
  store: TriageStore,
  loaded: LoadedWorkspace,
  options: ApplyOptions,
): Promise<number | undefined> {
  const { workspace, sha256 } = loaded;
  return store.transact((view) => {
    const last = view.workspaceApplied()?.sha256 ?? options.baselineSha256;
    // Another process may have recorded it since: decided under the lock, against the latest state.
    const again = unknownStoredValues(view, workspace).filter((v) => v.renamedTo !== undefined);
    if (last === sha256 && again.length === 0) return { value: undefined };
    const draft: AuditEventDraft = {
      timestamp: options.clock().toISOString(),
      action: "workspace-applied",
      ticketId: null,
      actor: "server",
      data: {
        sha256,
        name: workspace.name,
        previousSha256: last,
        renamed: again.map((v) => ({ field: v.field, from: v.value, to: v.renamedTo, tickets: v.count })),
      },
    };
    return { event: draft, result: (committed) => committed.seq };
  });
}
