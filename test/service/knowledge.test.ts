import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import matter from "gray-matter";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  FRONT_MATTER_OPTIONS,
  KnowledgeBase,
  MAX_ARTICLE_BYTES,
  loadKnowledge,
} from "../../src/service/knowledge.js";

let root: string;
let dir: string;
let warnings: string[];
const logger = { warn: (m: string) => warnings.push(m) };

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "knowledge-test-"));
  dir = join(root, "knowledge");
  mkdirSync(dir);
  warnings = [];
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const write = (name: string, text: string | Buffer) => writeFileSync(join(dir, name), text);

const COMMA_TAGS = `---
id: refunds
title: Refunds And Credits
tags: billing, refund ,  credit notes
---

# Refunds

Refunds go back to the original card.
`;

const LIST_TAGS = `---
id: outages
title: "Outages: first hour"
tags:
  - incident
  - outage
  - 503
---
Page the on-call engineer.`;

describe("loadKnowledge", () => {
  it("loads articles with comma-separated and list tags, sorted by id, body trimmed", () => {
    write("refunds.md", COMMA_TAGS);
    write("outages.md", LIST_TAGS);
    write("notes.txt", "not an article");
    mkdirSync(join(dir, "nested"));
    writeFileSync(join(dir, "nested", "deep.md"), COMMA_TAGS.replace("id: refunds", "id: deep"));

    const articles = loadKnowledge(dir, logger);
    expect(articles).toEqual([
      {
        id: "outages",
        title: "Outages: first hour",
        tags: ["incident", "outage", "503"],
        body: "Page the on-call engineer.",
      },
      {
        id: "refunds",
        title: "Refunds And Credits",
        tags: ["billing", "refund", "credit notes"],
        body: "# Refunds\n\nRefunds go back to the original card.",
      },
    ]);
    expect(warnings).toEqual([]);
  });

  it("accepts a file without tags and a UTF-8 byte order mark", () => {
    write("bom.md", "\uFEFF---\nid: bom\ntitle: With BOM\n---\nBody.");
    expect(loadKnowledge(dir, logger)).toEqual([{ id: "bom", title: "With BOM", tags: [], body: "Body." }]);
  });

  describe("never evaluates JavaScript front matter", () => {
    const marker = () => join(root, "marker-file");
    const hostile = (language: string) => `---${language}
{
  id: (require("node:fs").writeFileSync(${JSON.stringify(join(root, "marker-file"))}, "pwned"), globalThis.__knowledgeHostile = true, "evil"),
  title: "Evil"
}
---
Body.`;

    afterEach(() => {
      delete (globalThis as Record<string, unknown>).__knowledgeHostile;
    });

    it.each(["js", "javascript", "JS", " javascript "])(
      "---%s: skipped with a warning, code not run",
      (language) => {
        write("evil.md", hostile(language));
        write("refunds.md", COMMA_TAGS);
        const articles = loadKnowledge(dir, logger);
        expect(articles.map((a) => a.id)).toEqual(["refunds"]);
        expect(existsSync(marker())).toBe(false);
        expect((globalThis as Record<string, unknown>).__knowledgeHostile).toBeUndefined();
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain(join(dir, "evil.md"));
        expect(warnings[0]).toMatch(/front matter language "(js|javascript)" is not allowed/);
      },
    );

    it("the gray-matter options alone refuse both engines (second line of defence)", () => {
      for (const language of ["js", "javascript"]) {
        expect(() => matter(hostile(language), FRONT_MATTER_OPTIONS)).toThrow(/not allowed/);
        expect(existsSync(marker())).toBe(false);
        expect((globalThis as Record<string, unknown>).__knowledgeHostile).toBeUndefined();
      }
    });

    it("(control) gray-matter with default engines would have run it", () => {
      // Shows the hazard is real, so the two tests above can fail.
      matter(hostile("js"), { language: "yaml" });
      expect(existsSync(marker())).toBe(true);
      expect((globalThis as Record<string, unknown>).__knowledgeHostile).toBe(true);
    });
  });

  it.each([
    ["id mismatch", "a.md", "---\nid: b\ntitle: T\n---\nx", /id "b" does not match the file name "a"/],
    ["missing id", "a.md", "---\ntitle: T\n---\nx", /no id/],
    ["missing title", "a.md", "---\nid: a\n---\nx", /no title/],
    ["blank title", "a.md", "---\nid: a\ntitle: '  '\n---\nx", /no title/],
    ["no front matter", "a.md", "# Just markdown\n", /no front matter/],
    ["bad YAML", "a.md", "---\nid: a\ntitle: [unclosed\n---\nx", /bad front matter/],
    ["front matter not a mapping", "a.md", "---\n- a\n- b\n---\nx", /not a key: value mapping/],
    ["tags of the wrong type", "a.md", "---\nid: a\ntitle: T\ntags:\n  - {x: 1}\n---\nx", /tags must be/],
    ["other engines", "a.md", "---coffee\nid: 'a'\n---\nx", /language "coffee" is not allowed/],
    ["file name not a slug", "Bad Name.md", "---\nid: Bad Name\ntitle: T\n---\nx", /not an article id/],
  ])("skips an article with %s, warning with the file and the reason", (_case, name, text, reason) => {
    write(name, text);
    write("refunds.md", COMMA_TAGS);
    expect(loadKnowledge(dir, logger).map((a) => a.id)).toEqual(["refunds"]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(join(dir, name));
    expect(warnings[0]).toMatch(reason);
  });

  it("skips files that are not valid UTF-8 or larger than 1 MB", () => {
    write("binary.md", Buffer.from([0x2d, 0x2d, 0x2d, 0x0a, 0xff, 0xfe, 0x0a]));
    write("huge.md", `---\nid: huge\ntitle: Huge\n---\n${"x".repeat(MAX_ARTICLE_BYTES)}`);
    write("refunds.md", COMMA_TAGS);
    expect(loadKnowledge(dir, logger).map((a) => a.id)).toEqual(["refunds"]);
    expect(warnings.join("\n")).toMatch(/binary\.md: file is not valid UTF-8/);
    expect(warnings.join("\n")).toMatch(/huge\.md: file is \d+ bytes, larger than the 1048576-byte limit/);
  });

  it("follows symlinks inside the directory, refuses those pointing outside", () => {
    writeFileSync(join(root, "outside.md"), COMMA_TAGS.replace("id: refunds", "id: escape"));
    symlinkSync(join(root, "outside.md"), join(dir, "escape.md"));
    write("real.md", COMMA_TAGS.replace("id: refunds", "id: real"));
    symlinkSync(join(dir, "real.md"), join(dir, "alias.md"));
    symlinkSync(join(dir, "missing-target.md"), join(dir, "dangling.md"));

    const articles = loadKnowledge(dir, logger);
    // alias.md points at real.md, whose id is "real": the id must match the link's own name.
    expect(articles.map((a) => a.id)).toEqual(["real"]);
    const all = warnings.join("\n");
    expect(all).toMatch(/escape\.md: symlink points outside the knowledge directory/);
    expect(all).toMatch(/alias\.md: front matter id "real" does not match the file name "alias"/);
    expect(all).toMatch(/dangling\.md: ENOENT/);
  });

  it("skips a directory named like an article", () => {
    mkdirSync(join(dir, "folder.md"));
    write("refunds.md", COMMA_TAGS);
    expect(loadKnowledge(dir, logger).map((a) => a.id)).toEqual(["refunds"]);
    expect(warnings.join("\n")).toMatch(/folder\.md: (not a regular file|EISDIR)/);
  });

  it("warns and returns [] when the directory is missing or is a file", () => {
    expect(loadKnowledge(join(root, "nope"), logger)).toEqual([]);
    expect(warnings[0]).toMatch(/cannot read .*nope .*ENOENT.*starting without knowledge articles/);
    writeFileSync(join(root, "plain-file"), "x");
    expect(loadKnowledge(join(root, "plain-file"), logger)).toEqual([]);
    expect(warnings[1]).toMatch(/is not a directory/);
  });

  it("returns independent objects on every load (no shared parser cache)", () => {
    write("refunds.md", COMMA_TAGS);
    write("copy.md", COMMA_TAGS.replace("id: refunds", "id: copy"));
    const first = loadKnowledge(dir, logger);
    const refunds = first.find((a) => a.id === "refunds");
    if (refunds === undefined) throw new Error("missing article");
    refunds.tags.push("mutated");
    refunds.title = "Mutated";
    const second = loadKnowledge(dir, logger);
    expect(second.find((a) => a.id === "refunds")).toEqual({
      id: "refunds",
      title: "Refunds And Credits",
      tags: ["billing", "refund", "credit notes"],
      body: "# Refunds\n\nRefunds go back to the original card.",
    });
    expect(second.find((a) => a.id === "copy")?.tags).toEqual(["billing", "refund", "credit notes"]);
  });
});

describe("KnowledgeBase", () => {
  it("lists, gets and searches the loaded articles", () => {
    write("refunds.md", COMMA_TAGS);
    write("outages.md", LIST_TAGS);
    const kb = KnowledgeBase.load(dir, logger);
    expect(kb.list().map((a) => a.id)).toEqual(["outages", "refunds"]);
    expect(kb.get("refunds")?.title).toBe("Refunds And Credits");
    expect(kb.get("nope")).toBeUndefined();
    expect(kb.search("refund to my card", 10).map((h) => h.article.id)).toEqual(["refunds"]);
    expect(kb.search("503 outage", 10)[0]?.article.id).toBe("outages");
    expect(kb.search("   ", 10)).toEqual([]);
  });

  it("hands out frozen articles, so no caller can change what the next one sees", () => {
    const source = [{ id: "a", title: "A", tags: ["x"], body: "b" }];
    const kb = new KnowledgeBase(source);
    source[0]!.title = "changed by the caller";
    expect(kb.get("a")?.title).toBe("A");
    expect(() => {
      (kb.get("a") as { title: string }).title = "changed";
    }).toThrow(TypeError);
    expect(() => {
      (kb.get("a")?.tags as string[]).push("y");
    }).toThrow(TypeError);
    expect(kb.get("a")).toEqual({ id: "a", title: "A", tags: ["x"], body: "b" });
  });

  it("works with no articles at all", () => {
    const kb = KnowledgeBase.load(join(root, "missing"), logger);
    expect(kb.list()).toEqual([]);
    expect(kb.search("anything", 10)).toEqual([]);
  });
});
