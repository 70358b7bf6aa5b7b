import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../support/harness.js";
import { TEST_ARTICLES, writeTestData } from "../support/data.js";

// Knowledge files are content, not code: a file whose front matter would run code if evaluated
// is skipped with a warning naming it, and the server starts and serves the other articles.

declare global {
  var __triageHostileRan: string | undefined;
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  globalThis.__triageHostileRan = undefined;
});

const PAYLOAD = "globalThis.__triageHostileRan = 'evaluated'";

const HOSTILE: Record<string, string> = {
  "js-engine": `---js\n{ id: "js-engine", title: (${PAYLOAD}, "t"), tags: "x" }\n---\n# Body\n\ntext\n`,
  "javascript-engine": `---javascript\n({ id: "javascript-engine", title: (${PAYLOAD}, "t") })\n---\nbody\n`,
  "coffee-engine": `---coffee\nid: "coffee-engine"\ntitle: "t"\n---\nbody\n`,
  // A js-yaml tag that would build a function if the unsafe schema were used.
  "yaml-function-tag": `---\nid: yaml-function-tag\ntitle: !!js/function "function () { ${PAYLOAD} }"\n---\nbody\n`,
};

async function startWith(files: Record<string, string>): Promise<Harness> {
  const data = writeTestData();
  for (const [name, text] of Object.entries(files))
    writeFileSync(join(data.knowledgeRoot, `${name}.md`), text);
  h = await startHarness({ data });
  return h;
}

describe("knowledge files with executable front matter", () => {
  it("are skipped with a warning naming each file; nothing is evaluated; the server starts", async () => {
    const server = await startWith(HOSTILE);
    expect(globalThis.__triageHostileRan).toBeUndefined();
    const warnings = server.logs.filter((l) => l.startsWith("warn: "));
    for (const name of Object.keys(HOSTILE)) {
      expect(
        warnings.some((w) => w.includes(`${name}.md`)),
        `${name}.md: ${warnings.join("\n")}`,
      ).toBe(true);
    }
    // The good articles are served; the hostile ones are not.
    const listed = await server.client.listResources();
    const ids = listed.resources.filter((r) => r.uri.startsWith("knowledge://")).map((r) => r.uri.slice(12));
    expect(ids.sort()).toEqual(Object.keys(TEST_ARTICLES).sort());
    const search = await server.call("search_knowledge", { query: "function evaluated engine body text" });
    expect(search.ok, search.text).toBe(true);
    const found = (search.structured?.articles as { id: string }[]).map((a) => a.id);
    for (const name of Object.keys(HOSTILE)) expect(found).not.toContain(name);
    expect((await server.call("list_tickets", { limit: 1 })).ok).toBe(true);
  });

  it("(control) the same article with YAML front matter loads, so the skip is about the engine", async () => {
    const server = await startWith({
      "yaml-ok": "---\nid: yaml-ok\ntitle: Plain YAML\ntags: engine\n---\nA body about engines.\n",
    });
    const search = await server.call("search_knowledge", { query: "engines" });
    expect((search.structured?.articles as { id: string }[]).map((a) => a.id)).toContain("yaml-ok");
  });
});
