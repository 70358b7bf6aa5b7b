import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import { loadKnowledge, openKnowledge } from "../../src/service/knowledge.js";
import { startHarness, type Harness } from "../support/harness.js";
import { writeTestData } from "../support/data.js";

// A wrong TRIAGE_KNOWLEDGE_ROOT used to warn once on stderr, then search_knowledge answered []
// forever. Now a directory that does not exist stops the server at startup, and an empty
// knowledge base is named in every search result.

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function dir(): string {
  const d = mkdtempSync(join(tmpdir(), "knowledge-visibility-"));
  temps.push(d);
  return d;
}

const quiet = { warn: () => undefined };

describe("openKnowledge", () => {
  it("refuses a directory that does not exist, saying which and what to set", () => {
    const missing = join(dir(), "nope");
    let error: unknown;
    try {
      openKnowledge(missing, quiet);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).message).toBe(
      `The knowledge directory ${missing} cannot be read (ENOENT: no such file or directory, stat '${missing}'). ` +
        `Set TRIAGE_KNOWLEDGE_ROOT to a directory of Markdown articles, or unset it to use the bundled ones.`,
    );
  });

  it("refuses a file", () => {
    const file = join(dir(), "plain");
    writeFileSync(file, "x");
    expect(() => openKnowledge(file, quiet)).toThrow(`The knowledge directory ${file} is not a directory.`);
  });

  it("loads an empty directory with a notice; a loaded base has none", () => {
    const empty = openKnowledge(dir(), quiet);
    expect(empty.list()).toEqual([]);
    expect(empty.notice).toMatch(
      /^The knowledge base is empty: \S+ holds no valid article \(no \.md file\)\./,
    );
    const bad = dir();
    writeFileSync(join(bad, "broken.md"), "no front matter\n");
    const warnings: string[] = [];
    const skipped = openKnowledge(bad, { warn: (m) => warnings.push(m) });
    expect(skipped.notice).toContain(
      "holds no valid article (1 file skipped; the server's log names each and why). No article can be cited. " +
        "Tell the operator to fix TRIAGE_KNOWLEDGE_ROOT and restart the server.",
    );
    expect(warnings.join("\n")).toMatch(/broken\.md: no front matter/);
    expect(warnings.join("\n")).toMatch(/holds no valid article/);
  });
});

describe("search_knowledge", () => {
  it("says why it finds nothing when the knowledge base is empty", async () => {
    const data = writeTestData();
    temps.push(data.root);
    for (const name of readdirSync(data.knowledgeRoot)) rmSync(join(data.knowledgeRoot, name));
    h = await startHarness({ data });
    const r = await h.call("search_knowledge", { query: "refund" });
    expect(r.ok, r.text).toBe(true);
    expect(r.structured?.articles).toEqual([]);
    expect(r.structured?.notice).toMatch(/^The knowledge base is empty: /);
    expect(JSON.parse(r.text)).toEqual(r.structured);
  });

  it("carries no notice when articles are loaded, even for a query that matches nothing", async () => {
    h = await startHarness();
    const r = await h.call("search_knowledge", { query: "zzzz-no-such-term" });
    expect(r.structured?.articles).toEqual([]);
    expect(r.structured).not.toHaveProperty("notice");
  });
});

describe("knowledge warnings", () => {
  it("name the error code once (no ENOENT: ENOENT:)", () => {
    const warnings: string[] = [];
    loadKnowledge(join(dir(), "gone"), { warn: (m) => warnings.push(m) });
    expect(warnings[0]).toMatch(/\(ENOENT: no such file or directory, stat '.*gone'\)/);
    expect(warnings[0]).not.toMatch(/ENOENT: ENOENT/);
  });

  it("show the whole YAML error with the offending line, not a message cut at 'column 1:'", () => {
    const d = dir();
    writeFileSync(join(d, "bad-yaml.md"), "---\nid: bad-yaml\ntitle: Bad\n  tags: [a, b\n---\nbody\n");
    writeFileSync(join(d, "unclosed.md"), "---\nid: unclosed\ntitle: [oops\n---\nbody\n");
    const warnings: string[] = [];
    loadKnowledge(d, { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([
      `knowledge: skipped ${join(d, "bad-yaml.md")}: bad front matter: bad indentation of a mapping entry ` +
        `at line 4, column 7 of the file: "  tags: [a, b"`,
      `knowledge: skipped ${join(d, "unclosed.md")}: bad front matter: unexpected end of the stream within a ` +
        `flow collection at line 4, column 1 of the file`,
    ]);
  });
});
