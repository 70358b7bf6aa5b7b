import { describe, expect, it } from "vitest";
import { KnowledgeIndex } from "../../src/domain/search/knowledge-index.js";
import { plainText, SNIPPET_MAX_LENGTH } from "../../src/domain/search/snippet.js";
import type { KnowledgeArticle } from "../../src/domain/schemas.js";
import { ARTICLES } from "./search-articles.js";

const index = new KnowledgeIndex(ARTICLES);
const ids = (query: string, limit = 10) => index.search(query, limit).map((h) => h.article.id);

describe("KnowledgeIndex.search: the right article first", () => {
  it.each([
    ["EU API 503 outage", "incident-response"],
    ["customer charged twice on the invoice", "billing-refunds"],
    ["webhook signature fails after secret rotation", "webhooks"],
    // Our own.
    ["leaked API token in a support bundle", "security-escalation"],
    ["users cannot sign in", "account-access"],
    ["P1 first response deadline breached", "sla-policy"],
    ["client rate limited with 429", "api-errors"],
    ["refund the second payment", "billing-refunds"],
    ["the whole site is down", "incident-response"],
    ["double billed this month", "billing-refunds"],
    ["HMAC check rejects deliveries", "webhooks"],
    ["password reset email never arrives", "account-access"],
  ])("%j -> %s", (query, expected) => {
    expect(ids(query)[0]).toBe(expected);
  });

  it("matches words, not substrings: no article contains these queries verbatim", () => {
    for (const query of [
      "EU API 503 outage",
      "customer charged twice on the invoice",
      "webhook signature fails after secret rotation",
    ]) {
      const verbatim = ARTICLES.filter((a) =>
        `${a.title} ${a.tags.join(" ")} ${a.body}`.toLowerCase().includes(query.toLowerCase()),
      );
      expect(verbatim).toEqual([]);
      expect(index.search(query, 10).length).toBeGreaterThan(0);
    }
  });

  it("ignores word order and inflection", () => {
    const base = index.search("EU API 503 outage", 10);
    const shuffled = index.search("outage 503 api eu", 10);
    expect(shuffled).toEqual(base);
    expect(ids("outages of the EU APIs")[0]).toBe("incident-response");
    expect(ids("rotating the webhook signing secrets")[0]).toBe("webhooks");
    expect(ids("signatures failed verifying")[0]).toBe("webhooks");
    expect(ids("charges duplicated")[0]).toBe("billing-refunds");
  });

  it("is case- and accent-insensitive", () => {
    expect(index.search("WEBHOOK SIGNATURE", 10)).toEqual(index.search("webhook signature", 10));
    expect(ids("Rémboursement refund")[0]).toBe("billing-refunds");
  });
});

describe("KnowledgeIndex.search: result shape", () => {
  it("sorts by score desc then id asc, excludes zero scores and honours the limit", () => {
    const hits = index.search("api errors", 10);
    expect(hits.length).toBeGreaterThan(1);
    for (let i = 1; i < hits.length; i++) {
      const [a, b] = [hits[i - 1], hits[i]];
      if (a === undefined || b === undefined) throw new Error("unreachable");
      expect(a.score > b.score || (a.score === b.score && a.article.id < b.article.id)).toBe(true);
    }
    for (const h of hits) expect(h.score).toBeGreaterThan(0);
    expect(index.search("api errors", 2)).toEqual(hits.slice(0, 2));
    expect(index.search("api errors", 0)).toEqual([]);
  });

  it("breaks score ties by id", () => {
    const twin = (id: string): KnowledgeArticle => ({
      id,
      title: "Quota exceeded",
      tags: ["quota"],
      body: "The quota resets monthly.",
    });
    const tied = new KnowledgeIndex([twin("zeta"), twin("alpha"), twin("mid")]);
    const hits = tied.search("quota", 10);
    expect(hits.map((h) => h.article.id)).toEqual(["alpha", "mid", "zeta"]);
    expect(new Set(hits.map((h) => h.score)).size).toBe(1);
  });

  it("returns [] for a query that matches nothing, a blank query and a stopword-only query", () => {
    expect(index.search("kubernetes helm chart", 10)).toEqual([]);
    expect(index.search("", 10)).toEqual([]);
    expect(index.search("   ", 10)).toEqual([]);
    expect(index.search("the and of it", 10)).toEqual([]);
  });

  it("weights the title above tags above the body", () => {
    const field = new KnowledgeIndex([
      {
        id: "in-body",
        title: "General notes",
        tags: ["misc"],
        body: "Something about invoices and more text here.",
      },
      {
        id: "in-tags",
        title: "General notes",
        tags: ["invoices"],
        body: "Something about billing and more text here.",
      },
      {
        id: "in-title",
        title: "Invoices",
        tags: ["misc"],
        body: "Something about billing and more text here.",
      },
    ]);
    expect(field.search("invoice", 10).map((h) => h.article.id)).toEqual(["in-title", "in-tags", "in-body"]);
  });

  it("does not depend on the order the articles were given in", () => {
    const reversed = new KnowledgeIndex([...ARTICLES].reverse());
    for (const q of ["EU API 503 outage", "refund", "sign in", "signature rotation"]) {
      expect(reversed.search(q, 10)).toEqual(index.search(q, 10));
    }
  });

  it("reports the query words that matched, then alias phrases", () => {
    const [hit] = index.search("EU API 503 outage", 1);
    expect(hit?.matchedTerms.slice(0, 3).sort()).toEqual(["503", "eu", "outage"]);
    expect(hit?.matchedTerms).toContain("unavailable");
  });
});

describe("KnowledgeIndex.search: snippets", () => {
  const queries = [
    "EU API 503 outage",
    "customer charged twice on the invoice",
    "webhook signature fails after secret rotation",
    "ownership transfer",
    "Retry-After seconds",
    "annual plans",
  ];

  it.each(queries)("%j: one line, at most 200 characters, cut on word boundaries", (query) => {
    for (const hit of index.search(query, 10)) {
      const { snippet } = hit;
      expect(snippet.length).toBeGreaterThan(0);
      expect(snippet.length).toBeLessThanOrEqual(SNIPPET_MAX_LENGTH);
      expect(snippet).not.toMatch(/[\r\n]/);
      const plain = plainText(hit.article.body);
      const inner = snippet.replace(/^\u2026/, "").replace(/\u2026$/, "");
      const at = plain.indexOf(inner);
      expect(at).toBeGreaterThanOrEqual(0);
      // Word boundaries: nothing alphanumeric directly before or after the excerpt.
      expect(plain.slice(Math.max(0, at - 1), at)).not.toMatch(/[\p{L}\p{N}]/u);
      expect(plain.slice(at + inner.length, at + inner.length + 1)).not.toMatch(/[\p{L}\p{N}]/u);
      expect(snippet.startsWith("\u2026")).toBe(at > 0);
      expect(snippet.endsWith("\u2026")).toBe(at + inner.length < plain.length);
    }
  });

  it("centres the excerpt on the matching words", () => {
    const [hit] = index.search("annual plans outside the window", 1);
    expect(hit?.article.id).toBe("billing-refunds");
    expect(hit?.snippet).toMatch(/annual plans/);
    const [webhook] = index.search("roll back the rotation from the dashboard", 1);
    expect(webhook?.snippet).toMatch(/roll back the rotation/);
  });

  it("falls back to the start of the body when only the title or tags matched", () => {
    const only = new KnowledgeIndex([
      { id: "t", title: "Quota", tags: [], body: "# Heading\n\nFirst line of the body.\n\n- a bullet" },
    ]);
    expect(only.search("quota", 1)[0]?.snippet).toBe("Heading First line of the body. a bullet");
  });

  it("plainText flattens Markdown", () => {
    expect(
      plainText(
        "# Title\n\n- **bold** item\n1. step [link](https://example.invalid)\n> quote\n```\ncode\n```",
      ),
    ).toBe("Title bold item step link quote code");
  });
});

describe("KnowledgeIndex alias expansion", () => {
  it("matches multi-word aliases as phrases only", () => {
    // "signing secret" contains "sign" but not the phrase "sign in": no login expansion.
    const hits = index.search("signing secret", 10);
    for (const h of hits) expect(h.matchedTerms).not.toContain("login");
    const login = index.search("cannot sign in", 10);
    expect(login[0]?.article.id).toBe("account-access");
    expect(login[0]?.matchedTerms).toContain("login");
  });

  it("counts an expansion less than the user's own word", () => {
    const small = new KnowledgeIndex([
      { id: "literal", title: "Notes", tags: [], body: "The outage lasted an hour." },
      { id: "alias", title: "Notes", tags: [], body: "The service was unavailable for an hour." },
    ]);
    expect(small.search("outage", 10).map((h) => h.article.id)).toEqual(["literal", "alias"]);
    expect(small.search("unavailable", 10).map((h) => h.article.id)).toEqual(["alias", "literal"]);
  });
});
