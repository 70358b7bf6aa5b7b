// Test-only. Preloaded into a child process with `node --import` (NODE_OPTIONS, see crashEnv in
// test/support/crash.ts), it watches the named steps the store and the handoff deliverer publish
// on a diagnostics channel (src/store/core/steps.ts) and, at the step TRIAGE_CRASH_AT names,
// kills the process with SIGKILL: the crash tests then check that the runtime recovers to "the
// event fully there" or "fully absent". With TRIAGE_CRASH_ACTION=pause it instead writes its pid
// to TRIAGE_CRASH_MARKER (if set) and blocks the thread for TRIAGE_PAUSE_MS (default 2000), so a
// test can act while the process sits at that step. Nothing in the server reads these variables.
import { subscribe } from "node:diagnostics_channel";
import { writeFileSync } from "node:fs";
import process from "node:process";

const env = process.env;
const at = env.TRIAGE_CRASH_AT;

if (at !== undefined && at !== "") {
  subscribe("support-triage-mcp:step", (message) => {
    if (message === null || typeof message !== "object" || message.step !== at) return;
    if (env.TRIAGE_CRASH_ACTION === "pause") {
      if (env.TRIAGE_CRASH_MARKER !== undefined) writeFileSync(env.TRIAGE_CRASH_MARKER, `${process.pid}\n`);
      const ms = Number(env.TRIAGE_PAUSE_MS ?? "2000");
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number.isFinite(ms) ? ms : 2000);
      return;
    }
    process.kill(process.pid, "SIGKILL");
  });
}
