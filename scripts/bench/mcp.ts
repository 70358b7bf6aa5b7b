// Starting a server over stdio and timing calls from the SDK Client. The same code drives the
// triage server and the echo server, so the floor is measured exactly like the real thing.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { Readable } from "node:stream";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

export interface ServerSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

export interface ToolCall {
  readonly name: string;
  readonly arguments: Record<string, unknown>;
}

/** Startup and a 100,000-ticket first initialization can take a while; calls should not. */
const STARTUP_TIMEOUT_MS = 10 * 60_000;
const CALL_TIMEOUT_MS = 2 * 60_000;
const STDERR_TAIL_CHARS = 4000;

export class RunningServer {
  private lastResult: CallToolResult | undefined;

  private constructor(
    readonly client: Client,
    private readonly transport: StdioClientTransport,
    /** Spawn -> initialize -> the first tools/call answered, ms. */
    readonly firstAnswerMs: number,
    private readonly stderr: { text: string },
  ) {}

  get pid(): number {
    const pid = this.transport.pid;
    if (pid === null) throw new Error("the server process has no pid (already closed?)");
    return pid;
  }

  /**
   * Spawns the server and times until `first` has been answered. The clock starts before the
   * spawn, so process start, module loading, opening the runtime and the handshake all count.
   */
  static async start(spec: ServerSpec, first: ToolCall): Promise<RunningServer> {
    const transport = new StdioClientTransport({
      command: spec.command,
      args: [...spec.args],
      env: { ...spec.env },
      cwd: spec.cwd,
      stderr: "pipe",
    });
    // The tail of the server's stderr, for error messages; reading it also keeps the pipe drained.
    const stderr = { text: "" };
    (transport.stderr as Readable | null)?.on("data", (chunk: Buffer) => {
      stderr.text = (stderr.text + chunk.toString("utf8")).slice(-STDERR_TAIL_CHARS);
    });
    // No tools/list: without it the client validates no structuredContent against output schemas,
    // so the figures are the server's and the transport's, for the triage server and the floor alike.
    const client = new Client({ name: "triage-bench", version: "1.0.0" });
    const started = performance.now();
    try {
      await client.connect(transport, { timeout: STARTUP_TIMEOUT_MS });
      await callOrThrow(client, first, STARTUP_TIMEOUT_MS);
    } catch (error) {
      await client.close().catch(() => undefined);
      throw new Error(
        `${spec.args.join(" ")} did not answer ${first.name}: ${(error as Error).message}\n--- server stderr ---\n${stderr.text}`,
        { cause: error },
      );
    }
    return new RunningServer(client, transport, performance.now() - started, stderr);
  }

  /** Calls a tool; a refusal (isError) throws, since timing a refusal would measure the wrong path. */
  async call(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    try {
      const result = await callOrThrow(this.client, { name, arguments: args }, CALL_TIMEOUT_MS);
      this.lastResult = result;
      return result.structuredContent ?? {};
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- server stderr (tail) ---\n${this.stderr.text}`, {
        cause: error,
      });
    }
  }

  /** The wall time of one call, ms, and its structured result. */
  async timed(
    name: string,
    args: Record<string, unknown>,
  ): Promise<{ ms: number; result: Record<string, unknown> }> {
    const started = performance.now();
    const result = await this.call(name, args);
    return { ms: performance.now() - started, result };
  }

  /** The last answer's structuredContent. */
  lastStructured(): unknown {
    return this.lastResult?.structuredContent;
  }

  /** Size of the last answer's result as JSON (content text and structuredContent), bytes. */
  lastResultBytes(): number {
    return this.lastResult === undefined ? 0 : Buffer.byteLength(JSON.stringify(this.lastResult));
  }

  /** Peak resident set size of the server process so far, in MB (null where unknown). */
  peakRssMb(): { mb: number; source: string } | null {
    return peakRssOf(this.pid);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

async function callOrThrow(client: Client, call: ToolCall, timeout: number): Promise<CallToolResult> {
  const result = await client.callTool({ name: call.name, arguments: call.arguments }, undefined, {
    timeout,
  });
  if (result.isError === true) {
    const content = result.content as { type: string; text?: string }[] | undefined;
    const text = content?.map((c) => c.text ?? "").join(" ") ?? "";
    throw new Error(`${call.name} was refused: ${text}`);
  }
  return result as CallToolResult;
}

/**
 * Linux: VmHWM (the kernel's high-water mark of the resident set). Elsewhere: ps's current RSS,
 * which is only a lower bound of the peak.
 */
export function peakRssOf(pid: number): { mb: number; source: string } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    if (match?.[1] !== undefined) return { mb: Number(match[1]) / 1024, source: "VmHWM" };
  } catch {
    // Not Linux, or the process is gone: try ps.
  }
  try {
    const kb = Number(execFileSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" }).trim());
    return Number.isFinite(kb) && kb > 0 ? { mb: kb / 1024, source: "ps rss (current, not peak)" } : null;
  } catch {
    return null;
  }
}
