import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

// What the browser tests hand to the test host page (host.ts), and what the page exposes on
// its window. No DOM types here: the tests (in Node) import this file too.

export interface HostStart {
  readonly html: string;
  readonly toolInput: Record<string, unknown>;
  readonly toolResult: CallToolResult;
  readonly theme: "light" | "dark";
  /** The iframe's width in CSS pixels. */
  readonly width: number;
  readonly hostInfo: { readonly name: string; readonly version: string };
}

export interface HostWindow {
  startHost(start: HostStart): Promise<void>;
  /** What the view sent for the model's context (ui/update-model-context), oldest first. */
  modelContext: unknown[];
}
