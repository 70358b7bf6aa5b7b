import {
  closeSync,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  statSync,
} from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import matter from "gray-matter";
import { DomainError } from "../domain/errors.js";
import { ARTICLE_ID_PATTERN } from "../domain/ids.js";
import { knowledgeArticleSchema, type KnowledgeArticle } from "../domain/schemas.js";
import { KnowledgeIndex, type KnowledgeHit } from "../domain/search/knowledge-index.js";

/**
 * Loads knowledge articles: one Markdown file per article, front matter `id` (= file stem),
 * `title`, `tags` (comma-separated string or YAML list), the rest is the body.
 *
 * The directory is content, not code, and is treated as untrusted input:
 *  - only YAML front matter is parsed; `---js` / `---javascript` (which gray-matter would eval)
 *    and any other engine are refused, so a file can never run code in the server;
 *  - symlinks must resolve inside the directory, files are capped at MAX_ARTICLE_BYTES, and
 *    only regular `*.md` files directly in the directory are read;
 *  - a bad article is skipped with a warning naming the file and the reason; the rest still load.
 *    A missing directory is a warning too here; openKnowledge, which the server uses, refuses it.
 */

export const MAX_ARTICLE_BYTES = 1024 * 1024;

export interface KnowledgeLogger {
  warn(message: string): void;
}

class ArticleError extends Error {}

function refuseEngine(language: string): () => never {
  return () => {
    throw new ArticleError(
      `front matter language "${language}" is not allowed: only YAML front matter is read`,
    );
  };
}

// Always passed to gray-matter. Two reasons: the engines override keeps JavaScript front matter
// from being evaluated, and calling gray-matter with options bypasses its module-level cache,
// which otherwise hands every caller the same mutable result object.
export const FRONT_MATTER_OPTIONS = {
  language: "yaml",
  engines: {
    js: refuseEngine("js"),
    javascript: refuseEngine("javascript"),
    coffee: refuseEngine("coffee"),
    coffeescript: refuseEngine("coffeescript"),
    cson: refuseEngine("cson"),
  },
};

const ALLOWED_LANGUAGES: ReadonlySet<string> = new Set(["", "yaml", "yml"]);
const UTF8 = new TextDecoder("utf-8", { fatal: true });

export function loadKnowledge(root: string, logger: KnowledgeLogger): KnowledgeArticle[] {
  const dir = resolve(root);
  let realDir: string;
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) {
      logger.warn(`knowledge: ${dir} is not a directory; starting without knowledge articles`);
      return [];
    }
    realDir = realpathSync(dir);
    names = readdirSync(dir).filter((name) => name.toLowerCase().endsWith(".md"));
  } catch (error) {
    logger.warn(`knowledge: cannot read ${dir} (${reasonOf(error)}); starting without knowledge articles`);
    return [];
  }

  const articles: KnowledgeArticle[] = [];
  for (const name of names.sort()) {
    try {
      articles.push(readArticle(dir, realDir, name));
    } catch (error) {
      logger.warn(`knowledge: skipped ${join(dir, name)}: ${reasonOf(error)}`);
    }
  }
  return articles.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function readArticle(dir: string, realDir: string, name: string): KnowledgeArticle {
  const stem = name.slice(0, -".md".length);
  if (!ARTICLE_ID_PATTERN.test(stem)) {
    throw new ArticleError(
      `file name "${name}" is not an article id (lower-case slug such as api-errors.md)`,
    );
  }
  const path = join(dir, name);
  const link = lstatSync(path);
  let target = path;
  if (link.isSymbolicLink()) {
    target = realpathSync(path);
    const rel = relative(realDir, target);
    if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
      throw new ArticleError("symlink points outside the knowledge directory");
    }
  }
  const text = readSmallFile(target);

  const opening = /^\uFEFF?---([^\r\n]*)\r?\n/.exec(text);
  if (opening === null) throw new ArticleError("no front matter (the file must start with ---)");
  const language = (opening[1] ?? "").trim().toLowerCase();
  if (!ALLOWED_LANGUAGES.has(language)) {
    throw new ArticleError(
      `front matter language "${language}" is not allowed: only YAML front matter is read`,
    );
  }

  let parsed: { data: unknown; content: string };
  try {
    parsed = matter(text, FRONT_MATTER_OPTIONS);
  } catch (error) {
    if (error instanceof ArticleError) throw error;
    throw new ArticleError(`bad front matter: ${yamlReason(error)}`);
  }
  const data = parsed.data;
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new ArticleError("front matter is not a key: value mapping");
  }
  const field = (key: string): unknown =>
    Object.hasOwn(data, key) ? (data as Record<string, unknown>)[key] : undefined;

  const id = field("id");
  if (typeof id !== "string" || id.trim() === "") throw new ArticleError("front matter has no id");
  if (id.trim() !== stem)
    throw new ArticleError(`front matter id "${id}" does not match the file name "${stem}"`);
  const title = field("title");
  if (typeof title !== "string" || title.trim() === "") throw new ArticleError("front matter has no title");
  const tags = parseTags(field("tags"));

  const article = knowledgeArticleSchema.safeParse({
    id: stem,
    title: title.trim(),
    tags,
    body: parsed.content.trim(),
  });
  if (!article.success)
    throw new ArticleError(`invalid article: ${article.error.issues[0]?.message ?? "unknown"}`);
  return article.data;
}

/** Reads a regular file of at most MAX_ARTICLE_BYTES as strict UTF-8. */
function readSmallFile(path: string): string {
  const fd = openSync(path, "r");
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new ArticleError("not a regular file");
    if (stat.size > MAX_ARTICLE_BYTES) {
      throw new ArticleError(`file is ${stat.size} bytes, larger than the ${MAX_ARTICLE_BYTES}-byte limit`);
    }
    // Read one byte past the limit: a file that grew after fstat is still caught.
    const buffer = Buffer.alloc(Math.min(stat.size, MAX_ARTICLE_BYTES) + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length === buffer.length) break;
    }
    if (length > MAX_ARTICLE_BYTES)
      throw new ArticleError(`file is larger than the ${MAX_ARTICLE_BYTES}-byte limit`);
    try {
      return UTF8.decode(buffer.subarray(0, length));
    } catch {
      throw new ArticleError("file is not valid UTF-8");
    }
  } finally {
    closeSync(fd);
  }
}

function parseTags(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const items: unknown[] =
    typeof value === "string" ? value.split(",") : Array.isArray(value) ? value : [value];
  const tags: string[] = [];
  for (const item of items) {
    if (typeof item !== "string" && typeof item !== "number") {
      throw new ArticleError("tags must be a comma-separated string or a list of strings");
    }
    const tag = String(item).trim();
    if (tag !== "" && !tags.includes(tag)) tags.push(tag);
  }
  return tags;
}

function reasonOf(error: unknown): string {
  if (error instanceof ArticleError) return error.message;
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Node's fs messages already start with their code ("ENOENT: no such file or directory").
    return code === undefined || error.message.startsWith(`${code}:`)
      ? error.message
      : `${code}: ${error.message}`;
  }
  return String(error);
}

/**
 * A YAML error in one line, with the offending line quoted: js-yaml's own message continues
 * with a multi-line excerpt after "line 3, column 1:", which a log line would cut there.
 */
function yamlReason(error: unknown): string {
  const e = error as { reason?: unknown; mark?: { line?: unknown; column?: unknown; buffer?: unknown } };
  const mark = e.mark;
  if (typeof e.reason !== "string" || typeof mark?.line !== "number" || typeof mark.column !== "number") {
    return reasonOf(error).split("\n", 1)[0] ?? "";
  }
  // js-yaml reads the text after the opening "---", so its 0-based line is the file's 1-based one.
  const text =
    typeof mark.buffer === "string" ? (mark.buffer.replace(/\0$/, "").split(/\r?\n/)[mark.line] ?? "") : "";
  const line = text.trimEnd();
  const shown = line.length > 80 ? `${line.slice(0, 80)}...` : line;
  return `${e.reason} at line ${mark.line + 1}, column ${mark.column + 1} of the file${shown.trim() === "" ? "" : `: ${JSON.stringify(shown)}`}`;
}

/**
 * The loaded articles and their search index. Articles are frozen copies: callers cannot change
 * what the next caller sees.
 */
export class KnowledgeBase {
  private readonly articles: readonly KnowledgeArticle[];
  private readonly byId: ReadonlyMap<string, KnowledgeArticle>;
  private indexValue: KnowledgeIndex | undefined;
  private readonly emptyNotice: string | undefined;

  constructor(articles: readonly KnowledgeArticle[], emptyNotice?: string) {
    this.emptyNotice = articles.length === 0 ? emptyNotice : undefined;
    const frozen = [...articles]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((a) =>
        Object.freeze({
          id: a.id,
          title: a.title,
          tags: Object.freeze([...a.tags]) as string[],
          body: a.body,
        }),
      );
    this.articles = Object.freeze(frozen);
    this.byId = new Map(frozen.map((a) => [a.id, a]));
  }

  /** Built on the first search, not at startup: a session that never searches never pays. */
  private get index(): KnowledgeIndex {
    this.indexValue ??= new KnowledgeIndex(this.articles);
    return this.indexValue;
  }

  static load(root: string, logger: KnowledgeLogger): KnowledgeBase {
    return new KnowledgeBase(loadKnowledge(root, logger));
  }

  /** Set when no article is loaded: search results carry it, so an empty base is never silent. */
  get notice(): string | undefined {
    return this.emptyNotice;
  }

  get(id: string): KnowledgeArticle | undefined {
    return this.byId.get(id);
  }

  list(): readonly KnowledgeArticle[] {
    return this.articles;
  }

  search(query: string, limit: number): KnowledgeHit[] {
    return this.index.search(query, limit);
  }
}

/**
 * The server's knowledge base: a directory that does not exist (or is not a directory) is a
 * startup error, since search would otherwise answer [] forever; a directory without a single
 * valid article loads, and every search result says so.
 */
export function openKnowledge(
  root: string,
  logger: KnowledgeLogger,
  variable = "TRIAGE_KNOWLEDGE_ROOT",
): KnowledgeBase {
  const dir = resolve(root);
  const problem = directoryProblem(dir);
  if (problem !== undefined) {
    throw new DomainError(
      "INVALID_INPUT",
      `The knowledge directory ${dir} ${problem}. Set ${variable} to a directory of Markdown articles, or unset it to use the bundled ones.`,
    );
  }
  let skipped = 0;
  const articles = loadKnowledge(dir, {
    warn: (message) => {
      skipped++;
      logger.warn(message);
    },
  });
  if (articles.length === 0) {
    logger.warn(`knowledge: ${dir} holds no valid article; search_knowledge will say so in every result`);
  }
  return new KnowledgeBase(
    articles,
    `The knowledge base is empty: ${dir} holds no valid article` +
      `${skipped > 0 ? ` (${skipped} file${skipped === 1 ? "" : "s"} skipped; the server's log names each and why)` : " (no .md file)"}. ` +
      `No article can be cited. Tell the operator to fix ${variable} and restart the server.`,
  );
}

/** Why `dir` cannot serve as the knowledge directory, or undefined when it can. */
function directoryProblem(dir: string): string | undefined {
  try {
    return statSync(dir).isDirectory() ? undefined : "is not a directory";
  } catch (error) {
    return `cannot be read (${reasonOf(error)})`;
  }
}
