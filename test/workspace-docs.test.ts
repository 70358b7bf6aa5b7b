import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  renderWorkspaceDoc,
  renderWorkspaceSchema,
  renderWorkspaceTables,
  SCHEMA_FILE,
  WORKSPACE_DOCS,
} from "../scripts/workspace-docs.js";
import { BUNDLED_WORKSPACE } from "./support/workspace.js";

// The committed JSON Schema of workspace files and the workspace tables of the README and the
// Skill are generated (npm run docs): each fails here when stale.

const ROOT = resolve(import.meta.dirname, "..");
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");

describe("generated workspace docs", () => {
  it("the committed JSON Schema is the one the zod schema gives", () => {
    expect(read(SCHEMA_FILE), "run `npm run docs`").toBe(renderWorkspaceSchema());
  });

  it("the bundled workspace file names the schema for editors", () => {
    expect((JSON.parse(read("data/workspace.json")) as { $schema: string }).$schema).toBe(
      "../schemas/workspace.schema.json",
    );
  });

  it.each(WORKSPACE_DOCS)("%s carries the bundled workspace's tables", (file) => {
    const text = read(file);
    expect(text, "run `npm run docs`").toBe(renderWorkspaceDoc(text, file, BUNDLED_WORKSPACE));
    for (const team of BUNDLED_WORKSPACE.vocabulary.teams) expect(text).toContain(`| \`${team}\` |`);
  });

  it("would notice a changed workspace", () => {
    const tables = renderWorkspaceTables(BUNDLED_WORKSPACE);
    const security = BUNDLED_WORKSPACE.policy.routing.find((r) => r.risk === "security");
    expect(tables).toContain(`| \`security\` from \`${security?.from}\` | \`${security?.team}\` |`);
    const plan = BUNDLED_WORKSPACE.plans[0]!;
    expect(tables).toContain(`| \`${plan.id}\` | ${plan.targets.standard} | ${plan.targets.vip} |`);
  });
});
