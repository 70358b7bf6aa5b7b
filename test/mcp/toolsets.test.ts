import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { TOOLSETS, type Toolset } from "../../src/mcp/toolsets.js";
import { billingProposal } from "../support/data.js";
import { startHarness, type Harness } from "../support/harness.js";
import { APP_TOOLS, TOOLS } from "../support/workspace.js";

// Read-only mode and toolsets, enforced by the server: a hidden tool is not listed, and a call to
// it is refused with what hides it and how to enable it; prompts that need hidden tools go too.

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const names = (tools: readonly { name: string }[]) => tools.map((t) => t.name);

describe("toolsets", () => {
  it("put every tool in exactly one toolset, and every toolset has a tool", () => {
    for (const tool of [...TOOLS, ...APP_TOOLS]) expect(TOOLSETS, tool.name).toContain(tool.toolset);
    for (const set of TOOLSETS)
      expect(
        TOOLS.some((t) => t.toolset === set),
        set,
      ).toBe(true);
  });

  it("read-only mode lists and serves only read tools, and refuses the others saying why", async () => {
    h = await startHarness({ selection: { readOnly: true, toolsets: TOOLSETS } });
    const { tools } = await h.client.listTools();
    const reads = TOOLS.filter((t) => t.kind === "read");
    expect(names(tools)).toEqual(names(reads));
    expect(reads.length).toBeLessThan(TOOLS.length);
    const r = await h.call("submit_triage_recommendation", billingProposal());
    expect(r.ok).toBe(false);
    expect(r.text).toBe(
      'NOT_FOUND: Tool "submit_triage_recommendation" changes data, and this server runs read-only ' +
        "(TRIAGE_READ_ONLY=1): it serves read tools only. The operator enables it by unsetting TRIAGE_READ_ONLY.",
    );
    expect(h.triage.store.view().lastSeq).toBe(0);
    expect((await h.call("list_tickets", { limit: 1 })).ok).toBe(true);
    // The prompts walk the agent through submitting: hidden with the tools they need.
    expect(h.client.getServerCapabilities()?.prompts).toBeUndefined();
  });

  it("TRIAGE_TOOLSETS serves only the chosen groups", async () => {
    const chosen: Toolset[] = ["tickets", "knowledge"];
    h = await startHarness({ selection: { readOnly: false, toolsets: chosen } });
    const { tools } = await h.client.listTools();
    expect(names(tools)).toEqual(names(TOOLS.filter((t) => chosen.includes(t.toolset))));
    const r = await h.call("create_ticket", {
      subject: "Hello",
      description: "Hello there.",
      customer: { name: "Ada", plan: "free", region: "eu", vip: false },
    });
    expect(r.ok).toBe(false);
    expect(r.text).toMatch(
      /^NOT_FOUND: Tool "create_ticket" belongs to the toolset "intake", which this server does not serve \(TRIAGE_TOOLSETS=tickets,knowledge\)\. The operator enables it by adding "intake"/,
    );
    const unknown = await h.call("no_such_tool", {});
    expect(unknown.text).toMatch(/^NOT_FOUND: Unknown tool "no_such_tool"\. Available tools: list_tickets, /);
  });

  it("an unknown toolset name stops the server with the valid names", () => {
    expect(() => loadConfig({ TRIAGE_TOOLSETS: "tickets,tickts" }, "/cwd")).toThrow(ConfigError);
    expect(() => loadConfig({ TRIAGE_TOOLSETS: "tickets,tickts" }, "/cwd")).toThrow(
      `TRIAGE_TOOLSETS names unknown toolset "tickts". Valid toolsets: ${TOOLSETS.join(", ")}`,
    );
    expect(() => loadConfig({ TRIAGE_READ_ONLY: "yes please" }, "/cwd")).toThrow(
      /TRIAGE_READ_ONLY must be 1/,
    );
    const root = resolve(import.meta.dirname, "../..");
    const run = spawnSync(process.execPath, [join(root, "dist/index.js")], {
      env: {
        PATH: process.env["PATH"] ?? "",
        TRIAGE_TOOLSETS: "nope",
        TRIAGE_DATA_ROOT: "/nonexistent/never",
      },
      input: "",
      encoding: "utf8",
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`Valid toolsets: ${TOOLSETS.join(", ")}`);
  });
});
