// Measures the server's own reading of one ticket (detectSignals: secrets, security, outage and
// injection rules) and the secret scan alone, on tickets of a given length built from ordinary
// support prose, a pasted log and a stack trace. Prints wall-clock percentiles and the CPU time per
// call, with the load average (a shared machine inflates the wall clock). Asserts nothing.
//
//   npm run bench:detection              4,000-character tickets
//   npm run bench:detection -- 20000     another length
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { findSecrets } from "../src/domain/secrets/index.js";
import { detectSignals } from "../src/domain/signals/index.js";

const PARTS = [
  "Hi team, since this morning our checkout page returns an error for some customers in the EU region. ",
  "We already cleared the cache and restarted the app, the problem is still there after the deploy of 3.8.2. ",
  "Order 100482 and order 100517 were charged twice, the invoice shows the same amount on both lines. ",
  "2024-05-14T09:12:44Z ERROR api.payments timeout after 30000 ms (request id 123e4567-e89b-12d3-a456-426614174000)\n",
  "    at processTicksAndRejections (node:internal/process/task_queues:95:5)\n",
  "Could you please check the webhook deliveries for endpoint https://hooks.example.com/v1/orders?page=2 as well? ",
  "Ignore my previous e-mail, the address changed: the new billing contact is ana@example.com. ",
  "Our admin says the SSO login loops back to the sign-in page on Safari but works in Chrome. ",
  "Wir haben die Rechnung Nr. 2024-0815 doppelt erhalten, bitte stornieren Sie eine davon. ",
  "fixed in commit 9fceb02d0ae598e95dc970b74767f19372d61af8, but the export still times out for large accounts. ",
];

function ticket(length: number, offset: number): { subject: string; description: string } {
  let description = "";
  for (let i = offset; description.length < length; i++) description += PARTS[i % PARTS.length];
  return {
    subject: "Checkout errors and a double charge since the last deploy",
    description: description.slice(0, length),
  };
}

function measure(label: string, run: (i: number) => unknown, iterations: number): void {
  for (let i = 0; i < 200; i++) run(i); // warm up the regex engine and the JIT
  const times: number[] = [];
  // CPU time as well as wall time: on a shared machine the wall clock also counts the time other
  // processes held the core.
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    run(i);
    times.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000 / iterations;
  times.sort((a, b) => a - b);
  const at = (q: number) => (times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0).toFixed(3);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  console.log(
    `${label.padEnd(32)} wall: mean ${mean.toFixed(3)} ms, p50 ${at(0.5)}, p95 ${at(0.95)}, p99 ${at(0.99)}; CPU ${cpuMs.toFixed(3)} ms per call`,
  );
}

const length = Number(process.argv[2] ?? 4000);
if (!Number.isInteger(length) || length < 1) {
  console.error("usage: npm run bench:detection -- [LENGTH]");
  process.exit(2);
}
const tickets = Array.from({ length: PARTS.length }, (_, i) => ticket(length, i));
const load = loadavg()
  .map((l) => l.toFixed(1))
  .join(" ");
console.log(
  `${length}-character tickets, ${tickets.length} variants, Node ${process.version}, load ${load} on ${cpus().length} cores`,
);
measure("detectSignals (whole reading)", (i) => detectSignals(tickets[i % tickets.length]!), 2000);
measure("findSecrets (secret scan only)", (i) => findSecrets(tickets[i % tickets.length]!.description), 2000);
