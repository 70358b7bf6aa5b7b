import type { ToolKind } from "./tool.js";

// Toolsets and read-only mode: which tools a server serves, decided by its operator
// (TRIAGE_TOOLSETS, TRIAGE_READ_ONLY) and enforced here, not by the client. A tool outside the
// selection is neither listed nor served; a call to it says what hides it and how to enable it.

export const TOOLSETS = ["tickets", "knowledge", "triage", "intake", "handoffs"] as const;
export type Toolset = (typeof TOOLSETS)[number];

/** What each toolset holds, for the docs (`npm run docs`). */
export const TOOLSET_GUIDE: Readonly<Record<Toolset, string>> = {
  tickets: "reading tickets, their audit events, similar tickets, the queue metrics and the teams",
  knowledge: "searching the knowledge base",
  triage: "recommendations: list, submit, approve, reject (and the review card)",
  intake: "creating tickets and adding internal notes",
  handoffs: "reading the handoff outbox",
};

export interface ToolSelection {
  /** Only tools of kind `read`. */
  readonly readOnly: boolean;
  /** The toolsets served. */
  readonly toolsets: readonly Toolset[];
}

/** Everything: what a server serves unless its operator says otherwise. */
export const ALL_TOOLS: ToolSelection = { readOnly: false, toolsets: TOOLSETS };

export function selectionOf(options: {
  readonly readOnly?: boolean | undefined;
  readonly toolsets?: readonly Toolset[] | undefined;
}): ToolSelection {
  return { readOnly: options.readOnly === true, toolsets: options.toolsets ?? TOOLSETS };
}

/** Why the selection hides a tool, and how to enable it; undefined when it is served. */
export function hiddenBecause(
  tool: { readonly name: string; readonly kind: ToolKind; readonly toolset: Toolset },
  selection: ToolSelection,
): string | undefined {
  if (!selection.toolsets.includes(tool.toolset)) {
    return (
      `Tool "${tool.name}" belongs to the toolset "${tool.toolset}", which this server does not serve ` +
      `(TRIAGE_TOOLSETS=${selection.toolsets.join(",")}). The operator enables it by adding "${tool.toolset}" to ` +
      `TRIAGE_TOOLSETS (or unsetting it).`
    );
  }
  if (selection.readOnly && tool.kind !== "read") {
    return (
      `Tool "${tool.name}" changes data, and this server runs read-only (TRIAGE_READ_ONLY=1): it serves read ` +
      `tools only. The operator enables it by unsetting TRIAGE_READ_ONLY.`
    );
  }
  return undefined;
}

/** Whether every tool a prompt or resource relies on is served. */
export function serves(
  selection: ToolSelection,
  needs: { readonly toolsets: readonly Toolset[]; readonly writes?: boolean },
): boolean {
  return (
    needs.toolsets.every((t) => selection.toolsets.includes(t)) &&
    !(needs.writes === true && selection.readOnly)
  );
}
