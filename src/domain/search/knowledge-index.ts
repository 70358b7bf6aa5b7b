import type { KnowledgeArticle } from "../schemas.js";
import { TextAnalyzer, type Token } from "../text/index.js";
import { ALIAS_GROUPS, EXPANSION_WEIGHT } from "./aliases.js";
import { bestSnippet, plainText, type SpanToken } from "./snippet.js";

/**
 * Ranked retrieval over knowledge articles with BM25F (Robertson & Zaragoza): the title, tags and
 * body of an article are scored as one document in which a title word counts more than a tag
 * word, which counts more than a body word, each field with its own length normalisation.
 * Queries go through the same folding and stemming as the articles, so word order and
 * inflection do not matter ("EU API 503 outage" finds "Outages: when the EU API returns 503").
 */

export interface KnowledgeHit {
  readonly article: KnowledgeArticle;
  /** BM25F score, rounded to 4 decimals; higher is better. Comparable within one query only. */
  readonly score: number;
  /** At most 200 characters of the body around the best-matching words, on one line. */
  readonly snippet: string;
  /** Query words found in the article (as written in the query), then alias phrases that matched. */
  readonly matchedTerms: string[];
}

interface FieldSpec {
  readonly weight: number;
  /** Length normalisation strength, 0 (none) to 1 (full). */
  readonly b: number;
}

const FIELDS = {
  title: { weight: 3, b: 0.5 },
  tags: { weight: 2, b: 0.3 },
  body: { weight: 1, b: 0.75 },
} as const satisfies Record<string, FieldSpec>;
type FieldName = keyof typeof FIELDS;
const FIELD_NAMES = Object.keys(FIELDS) as FieldName[];

const K1 = 1.2;

/** Key of a multi-word alias phrase, counted like a term. Cannot collide with a real term. */
const PHRASE_PREFIX = "\u0001";

interface FieldStats {
  readonly tf: Map<string, number>;
  readonly length: number;
}

interface Doc {
  readonly article: KnowledgeArticle;
  readonly fields: Record<FieldName, FieldStats>;
  readonly plain: string;
  readonly bodyTokens: readonly Token[];
  /** Where each term occurs in bodyTokens, in order: the snippet looks only at matched words. */
  readonly positions: ReadonlyMap<string, readonly number[]>;
}

interface QueryTerm {
  readonly key: string;
  readonly weight: number;
  /** How the word was written in the query, or the alias phrase it was expanded to. */
  readonly surface: string;
}

interface AliasPhrase {
  readonly text: string;
  /** Term sequence with stopwords, for matching in order. */
  readonly sequence: readonly string[];
  /** Key used for scoring: the term itself, or the phrase key for several words. */
  readonly key: string;
}

export class KnowledgeIndex {
  private readonly analyzer = new TextAnalyzer();
  private readonly docs: Doc[];
  /**
   * For each term, the articles holding it (index into docs) and its BM25F pseudo term frequency
   * there; the list's length is the term's document frequency.
   */
  private readonly postings = new Map<string, { doc: number; pseudoTf: number }[]>();
  private readonly avgLength: Record<FieldName, number>;
  private readonly aliasGroups: ReadonlyArray<readonly AliasPhrase[]>;

  constructor(articles: readonly KnowledgeArticle[]) {
    this.aliasGroups = ALIAS_GROUPS.map((group) =>
      group
        .map((phrase) => {
          const sequence = this.analyzer.tokenize(phrase, true).map((t) => t.term);
          const content = this.analyzer.terms(phrase);
          const key =
            content.length === 1 && sequence.length === 1 ? (content[0] ?? "") : phraseKey(sequence);
          return { text: phrase, sequence, key };
        })
        .filter((p) => p.sequence.length > 0),
    );
    const phrases = this.aliasGroups.flat().filter((p) => p.key.startsWith(PHRASE_PREFIX));

    this.docs = [...articles]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((article) => {
        const plain = plainText(article.body);
        const withStops = {
          title: this.analyzer.tokenize(article.title, true),
          tags: article.tags.flatMap((tag) => this.analyzer.tokenize(tag, true)),
          body: this.analyzer.tokenize(plain, true),
        };
        const fields = {} as Record<FieldName, FieldStats>;
        for (const name of FIELD_NAMES) fields[name] = fieldStats(withStops[name], phrases);
        const bodyTokens = withStops.body.filter((t) => !t.stopword);
        const positions = new Map<string, number[]>();
        for (const [i, t] of bodyTokens.entries()) {
          const list = positions.get(t.term);
          if (list === undefined) positions.set(t.term, [i]);
          else list.push(i);
        }
        return { article, fields, plain, bodyTokens, positions };
      });

    const totals: Record<FieldName, number> = { title: 0, tags: 0, body: 0 };
    for (const doc of this.docs) for (const name of FIELD_NAMES) totals[name] += doc.fields[name].length;
    const n = Math.max(1, this.docs.length);
    this.avgLength = {
      title: Math.max(1, totals.title / n),
      tags: Math.max(1, totals.tags / n),
      body: Math.max(1, totals.body / n),
    };
    for (const [i, doc] of this.docs.entries()) {
      const keys = new Set(FIELD_NAMES.flatMap((name) => [...doc.fields[name].tf.keys()]));
      for (const key of keys) {
        let pseudoTf = 0;
        for (const name of FIELD_NAMES) {
          const field = doc.fields[name];
          const tf = field.tf.get(key);
          if (tf === undefined) continue;
          const spec = FIELDS[name];
          pseudoTf += (spec.weight * tf) / (1 - spec.b + (spec.b * field.length) / this.avgLength[name]);
        }
        const list = this.postings.get(key);
        if (list === undefined) this.postings.set(key, [{ doc: i, pseudoTf }]);
        else list.push({ doc: i, pseudoTf });
      }
    }
  }

  get size(): number {
    return this.docs.length;
  }

  /**
   * Articles matching the query, best first (score desc, then id asc), at most `limit`. Articles
   * that match nothing are left out; a blank or stopword-only query returns [].
   */
  search(query: string, limit = 10): KnowledgeHit[] {
    const terms = this.queryTerms(query);
    if (terms.length === 0 || limit <= 0) return [];
    const n = this.docs.length;
    const idf = new Map<string, number>();
    for (const t of terms) {
      const df = this.postings.get(t.key)?.length ?? 0;
      idf.set(t.key, Math.log(1 + (n - df + 0.5) / (df + 0.5)));
    }

    // Only the articles holding a query term are touched: the postings give each one's pseudo-tf.
    const sums = new Map<number, { score: number; matched: QueryTerm[] }>();
    for (const t of terms) {
      const termWeight = t.weight * (idf.get(t.key) ?? 0);
      for (const { doc, pseudoTf } of this.postings.get(t.key) ?? []) {
        const sum = sums.get(doc) ?? { score: 0, matched: [] };
        sums.set(doc, sum);
        sum.score += termWeight * ((pseudoTf * (K1 + 1)) / (pseudoTf + K1));
        sum.matched.push(t);
      }
    }
    const scored: { doc: Doc; score: number; matched: QueryTerm[] }[] = [];
    for (const [i, { score, matched }] of sums) {
      const doc = this.docs[i];
      if (doc !== undefined && score > 0) scored.push({ doc, score: round4(score), matched });
    }
    scored.sort((a, b) => b.score - a.score || (a.doc.article.id < b.doc.article.id ? -1 : 1));

    return scored.slice(0, limit).map(({ doc, score, matched }) => {
      const weights = new Map<string, number>();
      for (const t of matched)
        if (!t.key.startsWith(PHRASE_PREFIX)) weights.set(t.key, t.weight * (idf.get(t.key) ?? 0));
      // Only matched words, in text order: a window's score and its ends are set by them alone.
      const at: number[] = [];
      for (const [term, weight] of weights) if (weight > 0) at.push(...(doc.positions.get(term) ?? []));
      at.sort((a, b) => a - b);
      const spans: SpanToken[] = [];
      for (const i of at) {
        const tok = doc.bodyTokens[i];
        if (tok !== undefined)
          spans.push({ start: tok.start, end: tok.end, term: tok.term, weight: weights.get(tok.term) ?? 0 });
      }
      // The user's words first, then expansions; rarer words first within each.
      const matchedTerms = matched
        .sort(
          (a, b) =>
            b.weight - a.weight ||
            (idf.get(b.key) ?? 0) - (idf.get(a.key) ?? 0) ||
            (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
        )
        .map((t) => t.surface);
      return { article: doc.article, score, snippet: bestSnippet(doc.plain, spans), matchedTerms };
    });
  }

  /** The query's own terms at weight 1, plus alias expansions at EXPANSION_WEIGHT. */
  private queryTerms(query: string): QueryTerm[] {
    const tokens = this.analyzer.tokenize(query, true);
    const byKey = new Map<string, QueryTerm>();
    for (const t of tokens) {
      if (!t.stopword && !byKey.has(t.term))
        byKey.set(t.term, { key: t.term, weight: 1, surface: t.surface });
    }
    if (byKey.size === 0) return [];
    const sequence = tokens.map((t) => t.term);
    for (const group of this.aliasGroups) {
      if (!group.some((p) => containsSequence(sequence, p.sequence))) continue;
      for (const p of group) {
        if (!byKey.has(p.key)) byKey.set(p.key, { key: p.key, weight: EXPANSION_WEIGHT, surface: p.text });
      }
    }
    // Map order is insertion order: deterministic for a given query.
    return [...byKey.values()];
  }
}

function phraseKey(sequence: readonly string[]): string {
  return PHRASE_PREFIX + sequence.join(" ");
}

function fieldStats(tokens: readonly Token[], phrases: readonly AliasPhrase[]): FieldStats {
  const tf = new Map<string, number>();
  let length = 0;
  for (const t of tokens) {
    if (t.stopword) continue;
    length++;
    tf.set(t.term, (tf.get(t.term) ?? 0) + 1);
  }
  if (phrases.length > 0 && tokens.length > 1) {
    const sequence = tokens.map((t) => t.term);
    for (const p of phrases) {
      const count = countSequence(sequence, p.sequence);
      if (count > 0) tf.set(p.key, count);
    }
  }
  return { tf, length };
}

function containsSequence(haystack: readonly string[], needle: readonly string[]): boolean {
  return countSequence(haystack, needle, 1) > 0;
}

function countSequence(haystack: readonly string[], needle: readonly string[], stopAt = Infinity): number {
  if (needle.length === 0 || needle.length > haystack.length) return 0;
  let count = 0;
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    count++;
    if (count >= stopAt) break;
  }
  return count;
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
