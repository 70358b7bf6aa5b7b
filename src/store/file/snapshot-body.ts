import { StoreState } from "../core/state.js";
import type { LoadedSnapshotData, SnapshotData } from "../core/snapshot-body.js";
import { LogPositions } from "./positions.js";

// A snapshot's data and the file store's log positions (the body's codec is core/snapshot-body.ts).

/** The snapshot of a state whose events are at `positions` of the log. */
export function snapshotDataOf(state: StoreState, positions: LogPositions): SnapshotData {
  return { ...state.content(), eventLengths: positions.lineLengths() };
}

/** The state and log positions a snapshot describes, after event `head.seq`. */
export function fromSnapshotData(
  data: LoadedSnapshotData,
  head: { readonly seq: number; readonly hash: string; readonly logBytes: number },
): { readonly state: StoreState; readonly positions: LogPositions } {
  if (data.eventLengths.length !== head.seq + 1) {
    throw new Error(`it lists ${data.eventLengths.length} events for seq ${head.seq}`);
  }
  const positions = LogPositions.fromLengths(data.eventLengths, head.logBytes);
  return { state: StoreState.fromContent(data, head), positions };
}
