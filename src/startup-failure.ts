// A server that cannot start (bad configuration, a runtime or seed it cannot open) says why on
// stderr, but most clients show only "connection closed" and keep stderr in a log file. So the
// reason also goes back over the protocol: the client's first request (its initialize) gets a
// JSON-RPC error carrying the message, which clients display as the connection error. Then the
// process exits. Without a request (stdin closed, a terminal, or nothing within a few seconds)
// it exits at once.

/** JSON-RPC "internal error": the server could not handle the request at all. */
const INTERNAL_ERROR = -32603;
const WAIT_FOR_REQUEST_MS = 5_000;

export function refuseToServe(message: string, exitCode = 1): void {
  const stdin = process.stdin;
  const exit = (): void => process.exit(exitCode);
  if (stdin.isTTY === true) exit();
  setTimeout(exit, WAIT_FOR_REQUEST_MS).unref();
  let buffer = "";
  stdin.setEncoding("utf8");
  stdin.on("data", (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf("\n"); nl !== -1; nl = buffer.indexOf("\n")) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      let request: unknown;
      try {
        request = JSON.parse(line);
      } catch {
        continue;
      }
      if (typeof request === "object" && request !== null && "id" in request && "method" in request) {
        const reply = { jsonrpc: "2.0", id: request.id, error: { code: INTERNAL_ERROR, message } };
        process.stdout.write(`${JSON.stringify(reply)}\n`, exit);
        return;
      }
    }
  });
  stdin.on("end", exit);
  stdin.on("error", exit);
}
