// Builds the review card (an MCP Apps view) into one self-contained HTML file,
// dist/ui/review-card.html: the card's script bundled with its dependencies (the ext-apps App
// class, the MCP SDK's protocol, zod), the styles, all inline. Run by `npm run build`.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build, type Plugin } from "esbuild";
import { cardPage, PAGE_STYLES } from "../src/ui/card/page.js";
import { REVIEW_STYLES } from "../src/ui/review/index.js";

const ROOT = resolve(import.meta.dirname, "..");
export const CARD_ENTRY = resolve(ROOT, "src/ui/card/main.ts");
export const CARD_OUT = resolve(ROOT, "dist/ui/review-card.html");

/**
 * zod's error messages in 50 languages (about 250 kB minified) are kept by any bundle that
 * imports zod as a namespace, as the SDK and ext-apps do. The card uses none of them (zod keeps
 * English as its default, which it imports on its own), so the locale index becomes empty.
 */
const withoutZodLocales: Plugin = {
  name: "without-zod-locales",
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer) ? { path: "zod-locales", namespace: "empty" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "empty" }, () => ({ contents: "export {};", loader: "js" }));
  },
};

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("base64");

/** The packages bundled into the card, each with its licence text (kept in the HTML). */
function licences(inputs: readonly string[]): string {
  const packages = new Set<string>();
  for (const input of inputs) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m?.[1] !== undefined) packages.add(m[1]);
  }
  return [...packages]
    .sort()
    .map((name) => {
      const dir = resolve(ROOT, "node_modules", name);
      const pkg = JSON.parse(readFileSync(resolve(dir, "package.json"), "utf8")) as {
        version: string;
        license?: string;
      };
      const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
      const text = file === undefined ? "" : readFileSync(resolve(dir, file), "utf8").trim();
      return `${name} ${pkg.version} (${pkg.license ?? "see its package"})\n\n${text}`;
    })
    .join("\n\n----------------------------------------\n\n")
    .replace(/--!?>/g, "- ->");
}

/** The card's HTML. */
export async function buildCard(): Promise<string> {
  const bundle = await build({
    entryPoints: [CARD_ENTRY],
    bundle: true,
    minify: true,
    format: "iife",
    platform: "browser",
    target: ["es2022"],
    write: false,
    plugins: [withoutZodLocales],
    logLevel: "warning",
    metafile: true,
  });
  const script = bundle.outputFiles[0]?.text ?? "";
  // esbuild escapes "</script" inside strings; anything else would end the inline script early.
  if (script === "" || /<\/script/i.test(script)) throw new Error("the card's script cannot be inlined");
  const styles = `${PAGE_STYLES}${REVIEW_STYLES}`.replace(/\n\s*/g, "\n").trim();
  const page = cardPage({ script, styles, scriptHash: sha256(script), styleHash: sha256(styles) });
  return `${page}<!--\nThe script above bundles these packages:\n\n${licences(Object.keys(bundle.metafile.inputs))}\n-->\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const html = await buildCard();
  mkdirSync(dirname(CARD_OUT), { recursive: true });
  writeFileSync(CARD_OUT, html);
  const kb = (n: number) => (n / 1024).toFixed(1);
  console.log(
    `${relative(ROOT, CARD_OUT)}: ${kb(Buffer.byteLength(html))} kB (${kb(gzipSync(html).length)} kB gzipped)`,
  );
}
