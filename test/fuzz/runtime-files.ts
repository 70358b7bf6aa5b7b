import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join, relative } from "node:path";

// A fingerprint of every entry under a runtime directory, to prove that a refused call wrote
// nothing: names, kinds, sizes, mtimes and content hashes. Nothing is excluded.

export interface EntryPrint {
  readonly kind: "file" | "dir" | "link" | "other";
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
}

export type RuntimeFiles = ReadonlyMap<string, EntryPrint>;

export function fingerprint(root: string): RuntimeFiles {
  const out = new Map<string, EntryPrint>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const rel = relative(root, path);
      let st;
      try {
        st = lstatSync(path);
      } catch {
        continue; // removed while walking (a lock released meanwhile)
      }
      if (st.isDirectory()) {
        out.set(rel, { kind: "dir", size: 0, mtimeMs: 0, sha256: "" });
        walk(path);
      } else if (st.isSymbolicLink()) {
        out.set(rel, { kind: "link", size: 0, mtimeMs: 0, sha256: readlinkSync(path) });
      } else if (st.isFile()) {
        const sha256 = createHash("sha256").update(readFileSync(path)).digest("hex");
        out.set(rel, { kind: "file", size: st.size, mtimeMs: st.mtimeMs, sha256 });
      } else {
        out.set(rel, { kind: "other", size: st.size, mtimeMs: st.mtimeMs, sha256: "" });
      }
    }
  };
  walk(root);
  return out;
}

/** Paths added, removed or changed between two fingerprints, sorted. */
export function changedPaths(before: RuntimeFiles, after: RuntimeFiles): string[] {
  const changed = new Set<string>();
  for (const [path, a] of before) {
    const b = after.get(path);
    if (
      b === undefined ||
      a.kind !== b.kind ||
      a.size !== b.size ||
      a.mtimeMs !== b.mtimeMs ||
      a.sha256 !== b.sha256
    ) {
      changed.add(path);
    }
  }
  for (const path of after.keys()) if (!before.has(path)) changed.add(path);
  return [...changed].sort();
}

/** The complete audit lines in `text` after byte `from`, parsed. */
export function auditLinesAfter(text: Buffer, from: number): Record<string, unknown>[] {
  return text
    .subarray(from)
    .toString("utf8")
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
