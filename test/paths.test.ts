import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError, describeLocations, loadConfig, resolveDataRoot } from "../src/config.js";
import {
  BUNDLED,
  defaultDataRoot,
  PACKAGE_ROOT,
  reviewCommand,
  userDataDir,
  type Host,
} from "../src/paths.js";

// Where the server looks when nothing is configured: bundled data from the package, the runtime
// in the per-user data directory of each platform. Platform, environment and home are injected.

const ROOT = resolve(import.meta.dirname, "..");

const linux = (env: Record<string, string> = {}, home = "/home/ana"): Host => ({
  platform: "linux",
  env,
  homedir: home,
});

describe("the per-user runtime directory", () => {
  it.each<[string, Host, string]>([
    [
      "Linux, XDG_DATA_HOME set",
      linux({ XDG_DATA_HOME: "/data/ana" }),
      "/data/ana/support-triage-mcp/runtime",
    ],
    ["Linux, no XDG_DATA_HOME", linux(), "/home/ana/.local/share/support-triage-mcp/runtime"],
    // XDG Base Directory: a relative path is invalid and ignored, and so is a blank one.
    [
      "Linux, relative XDG_DATA_HOME",
      linux({ XDG_DATA_HOME: "data" }),
      "/home/ana/.local/share/support-triage-mcp/runtime",
    ],
    [
      "Linux, blank XDG_DATA_HOME",
      linux({ XDG_DATA_HOME: " " }),
      "/home/ana/.local/share/support-triage-mcp/runtime",
    ],
    [
      "FreeBSD follows XDG too",
      { ...linux({ XDG_DATA_HOME: "/x" }), platform: "freebsd" },
      "/x/support-triage-mcp/runtime",
    ],
    [
      "macOS",
      { platform: "darwin", env: { XDG_DATA_HOME: "/ignored" }, homedir: "/Users/ana" },
      "/Users/ana/Library/Application Support/support-triage-mcp/runtime",
    ],
    [
      "Windows, LOCALAPPDATA set",
      { platform: "win32", env: { LOCALAPPDATA: "D:\\Profiles\\ana\\Local" }, homedir: "C:\\Users\\ana" },
      "D:\\Profiles\\ana\\Local\\support-triage-mcp\\runtime",
    ],
    [
      "Windows, no LOCALAPPDATA",
      { platform: "win32", env: {}, homedir: "C:\\Users\\ana" },
      "C:\\Users\\ana\\AppData\\Local\\support-triage-mcp\\runtime",
    ],
  ])("%s", (_name, host, expected) => {
    expect(defaultDataRoot(host)).toBe(expected);
    expect(userDataDir(host)).toBe(expected.slice(0, -"/runtime".length));
  });

  it("without a home directory, says to set TRIAGE_DATA_ROOT", () => {
    expect(() => defaultDataRoot(linux({}, ""))).toThrow(/no home directory.*Set TRIAGE_DATA_ROOT/);
    // XDG_DATA_HOME alone is enough.
    expect(defaultDataRoot(linux({ XDG_DATA_HOME: "/srv/x" }, ""))).toBe("/srv/x/support-triage-mcp/runtime");
    const error = (() => {
      try {
        return resolveDataRoot({}, "/", linux({}, ""));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
  });
});

describe("resolveDataRoot (the one default every command uses)", () => {
  const host = linux({ XDG_DATA_HOME: "/xdg" });

  it("takes TRIAGE_DATA_ROOT as today: relative paths resolve from the working directory", () => {
    expect(resolveDataRoot({ TRIAGE_DATA_ROOT: "data/runtime" }, "/work/clone", host)).toEqual({
      path: "/work/clone/data/runtime",
      origin: "variable",
    });
    expect(resolveDataRoot({ TRIAGE_DATA_ROOT: "/abs/rt" }, "/work/clone", host)).toEqual({
      path: "/abs/rt",
      origin: "variable",
    });
  });

  it("falls back to the per-user directory, whatever the working directory", () => {
    for (const cwd of ["/", "/tmp/elsewhere", ROOT]) {
      expect(resolveDataRoot({}, cwd, host)).toEqual({
        path: "/xdg/support-triage-mcp/runtime",
        origin: "default",
      });
    }
  });

  it("refuses a blank TRIAGE_DATA_ROOT instead of using the default", () => {
    expect(() => resolveDataRoot({ TRIAGE_DATA_ROOT: "  " }, "/", host)).toThrow(
      /TRIAGE_DATA_ROOT is set but blank\. Unset it to use the default/,
    );
  });
});

describe("loadConfig defaults", () => {
  const host = linux({ XDG_DATA_HOME: "/xdg" });

  it("reads the bundled seed, knowledge and workspace (with its teams) of the package, not of the working directory", () => {
    const config = loadConfig({}, "/somewhere/else", host);
    expect(config).toMatchObject({
      dataRoot: "/xdg/support-triage-mcp/runtime",
      seedFile: join(ROOT, "data/seed/tickets.json"),
      knowledgeRoot: join(ROOT, "data/knowledge"),
      workspaceFile: join(ROOT, "data/workspace.json"),
      origins: {
        dataRoot: "default",
        seedFile: "default",
        knowledgeRoot: "default",
        workspaceFile: "default",
        teamsFile: "default",
      },
    });
    expect(config.teamsFile).toBeUndefined();
    expect(resolve(PACKAGE_ROOT)).toBe(ROOT);
    for (const path of Object.values(BUNDLED)) expect(existsSync(path), path).toBe(true);
  });

  it("keeps explicit variables exactly as before (relative to the working directory)", () => {
    const given: [string, string][] = [
      ["TRIAGE_DATA_ROOT", "rt"],
      ["TRIAGE_SEED_FILE", "seed.json"],
      ["TRIAGE_KNOWLEDGE_ROOT", "/k"],
      ["TRIAGE_TEAMS_FILE", "t/teams.json"],
    ];
    const config = loadConfig(Object.fromEntries(given), "/cwd", host);
    expect(config).toMatchObject({
      dataRoot: "/cwd/rt",
      seedFile: "/cwd/seed.json",
      knowledgeRoot: "/k",
      teamsFile: "/cwd/t/teams.json",
      origins: {
        dataRoot: "variable",
        seedFile: "variable",
        knowledgeRoot: "variable",
        teamsFile: "variable",
      },
    });
    for (const name of ["TRIAGE_SEED_FILE", "TRIAGE_KNOWLEDGE_ROOT", "TRIAGE_TEAMS_FILE"]) {
      expect(() => loadConfig({ [name]: "" }, "/cwd", host)).toThrow(new RegExp(`${name} is set but blank`));
    }
  });

  it("describes each location and where it came from, for the startup log", () => {
    const lines = describeLocations(loadConfig({ TRIAGE_KNOWLEDGE_ROOT: "/k" }, "/cwd", host));
    expect(lines).toEqual([
      "runtime: /xdg/support-triage-mcp/runtime (the per-user default; set TRIAGE_DATA_ROOT to change it)",
      `seed: ${join(ROOT, "data/seed/tickets.json")} (bundled with the package; set TRIAGE_SEED_FILE to change it)`,
      "knowledge: /k (from TRIAGE_KNOWLEDGE_ROOT)",
      `workspace: ${join(ROOT, "data/workspace.json")} (bundled with the package; set TRIAGE_CONFIG to change it)`,
    ]);
  });
});

describe("reviewCommand", () => {
  it("names the built entry by its absolute path when running from dist/", () => {
    const url = pathToFileURL("/opt/triage/dist/paths.js").href;
    expect(reviewCommand("/var/rt", url)).toBe("node /opt/triage/dist/index.js review --data-root /var/rt");
  });

  it("runs the checkout's npm script when running from the sources", () => {
    const url = pathToFileURL("/src/clone/src/paths.ts").href;
    expect(reviewCommand("/var/rt", url)).toBe("npm --prefix /src/clone run review -- --data-root /var/rt");
  });

  it("quotes paths with spaces (the macOS default runtime has one)", () => {
    const url = pathToFileURL("/Users/ana/My Tools/triage/dist/paths.js").href;
    expect(reviewCommand("/Users/ana/Library/Application Support/support-triage-mcp/runtime", url)).toBe(
      'node "/Users/ana/My Tools/triage/dist/index.js" review --data-root ' +
        '"/Users/ana/Library/Application Support/support-triage-mcp/runtime"',
    );
    expect(reviewCommand("/tmp/it's $HOME", url)).toContain(`--data-root '/tmp/it'\\''s $HOME'`);
  });

  it("never sends the reviewer to npx", () => {
    expect(reviewCommand("/rt")).not.toMatch(/npx/);
  });
});
