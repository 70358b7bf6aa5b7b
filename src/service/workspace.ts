import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname } from "node:path";
import { createRequire } from "node:module";
import type * as Yaml from "yaml";
import { teamsFileSchema } from "../domain/teams.js";
import {
  describeProblem,
  formatPath,
  parseWorkspace,
  type Workspace,
  type WorkspaceProblem,
} from "../domain/workspace/index.js";
import { BUNDLED } from "../paths.js";

/** The YAML parser, loaded on first use: the bundled workspace is JSON (about 30 ms of every start). */
const require = createRequire(import.meta.url);
function yaml(): typeof Yaml {
  return require("yaml") as typeof Yaml;
}

// Reading the workspace file (TRIAGE_CONFIG, JSON or YAML) once at start: its syntax, its shape,
// its references, every problem by path. The result is the immutable Workspace the server is
// built with, and the hash of what it says (recorded in the audit log whenever it changes).

export interface LoadedWorkspace {
  readonly workspace: Workspace;
  /** sha256 of the canonical JSON of the effective file (defaults filled in, teams override applied). */
  readonly sha256: string;
  /** The file it was read from. */
  readonly file: string;
  /** The teams file that replaced its teams section (TRIAGE_TEAMS_FILE), if any. */
  readonly teamsFile?: string | undefined;
}

/** A workspace file that cannot be used: every problem, one line each (`path: message`). */
export class WorkspaceError extends Error {
  override readonly name = "WorkspaceError";

  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(
      `The workspace file ${file} is not valid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  ${p}`).join("\n"),
    );
  }
}

export interface WorkspaceSource {
  /** The workspace file; the bundled one when absent. */
  readonly file?: string | undefined;
  /** A teams file (`{"teams": [...]}`) that replaces the workspace's teams section. */
  readonly teamsFile?: string | undefined;
}

/** Reads, checks and builds the workspace; throws WorkspaceError listing every problem. */
export function loadWorkspace(source: WorkspaceSource = {}): LoadedWorkspace {
  const file = source.file ?? BUNDLED.workspaceFile;
  let raw = readStructured(file, "workspace");
  const notes: string[] = [];
  if (source.teamsFile !== undefined) {
    const teams = teamsFileSchema.safeParse(readStructured(source.teamsFile, "teams"));
    if (!teams.success) {
      throw new WorkspaceError(
        source.teamsFile,
        teams.error.issues.map((i) => describeProblem({ path: formatPath(i.path), message: i.message })),
      );
    }
    if (isObject(raw)) raw = { ...raw, teams: teams.data.teams };
    notes.push(`(teams come from TRIAGE_TEAMS_FILE ${source.teamsFile})`);
  }
  const result = parseWorkspace(raw);
  if (result.workspace === undefined) {
    throw new WorkspaceError(file, [...result.problems.map(describeProblem), ...notes]);
  }
  return {
    workspace: result.workspace,
    sha256: workspaceHash(result.workspace),
    file,
    ...(source.teamsFile === undefined ? {} : { teamsFile: source.teamsFile }),
  };
}

/** The problems of a file, without throwing: what `config check` prints. */
export function checkWorkspaceFile(source: WorkspaceSource): {
  readonly loaded?: LoadedWorkspace;
  readonly problems: readonly string[];
} {
  try {
    return { loaded: loadWorkspace(source), problems: [] };
  } catch (error) {
    if (error instanceof WorkspaceError) return { problems: error.problems };
    throw error;
  }
}

/** The sha256 of what a workspace says: its parsed file as canonical JSON (sorted keys). */
export function workspaceHash(workspace: Workspace): string {
  return createHash("sha256").update(canonicalJson(workspace.file)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** JSON (`.json`) or YAML (`.yaml`, `.yml`); a syntax error is one problem with its line. */
function readStructured(file: string, what: string): unknown {
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new WorkspaceError(file, [`the ${what} file does not exist (or is not a file)`]);
  }
  const extension = extname(file).toLowerCase();
  const text = readFileSync(file, "utf8");
  if (extension === ".json") {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new WorkspaceError(file, [`not valid JSON: ${(error as Error).message}`]);
    }
  }
  if (extension === ".yaml" || extension === ".yml") {
    try {
      // Duplicate keys are errors (uniqueKeys), as a reader of the file would expect.
      return yaml().parse(text, { uniqueKeys: true, prettyErrors: true }) as unknown;
    } catch (error) {
      if (error instanceof yaml().YAMLParseError) {
        const at = error.linePos?.[0];
        const where = at === undefined ? "" : `line ${at.line}, column ${at.col}: `;
        throw new WorkspaceError(file, [
          `${where}not valid YAML: ${(error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "")}`,
        ]);
      }
      throw error;
    }
  }
  throw new WorkspaceError(file, [
    `a ${what} file is .json, .yaml or .yml, not "${extension || "no extension"}"`,
  ]);
}

export type { WorkspaceProblem };
