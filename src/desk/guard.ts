import type { IncomingMessage } from "node:http";
import { hostname, networkInterfaces } from "node:os";
import { HttpError } from "./http.js";

// Where a request may come from. A page on another site can make a browser send requests to the
// desk (a form post, an image), and a hostile DNS name can be re-pointed at 127.0.0.1 after the
// page loaded (DNS rebinding), so the browser thinks the desk is the hostile site's own origin:
// - every request must name the desk itself in its Host header (a rebound name never does);
// - every state-changing request must come from a desk page: its Origin (or, when a browser sends
//   none, its Referer) is the desk's, and it carries the session's CSRF token (auth.ts).

export const LOOPBACK = "127.0.0.1";

/** Interfaces that accept connections from anywhere: binding one needs the explicit flag. */
export function isWildcard(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "[::]";
}

/** True for 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
export function isLoopback(host: string): boolean {
  return /^127(\.\d{1,3}){3}$/.test(host) || host === "::1" || host === "[::1]" || host === "localhost";
}

/** `host:port` as a Host header and a URL write it (IPv6 in brackets). */
export function authority(host: string, port: number): string {
  const bare = host.replace(/^\[|\]$/g, "");
  return bare.includes(":") ? `[${bare}]:${port}` : `${bare}:${port}`;
}

/**
 * The Host values the desk answers to: the address it is bound to; when bound to every interface
 * (an explicit choice), each of this machine's addresses and its host name.
 */
export function allowedAuthorities(host: string, port: number): string[] {
  if (!isWildcard(host)) return [authority(host, port).toLowerCase()];
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined)
    .filter((a) => (host === "0.0.0.0" ? a.family === "IPv4" : true))
    .map((a) => authority(a.address.replace(/%.*$/, ""), port).toLowerCase());
  return [...new Set([...addresses, authority(hostname(), port).toLowerCase()])];
}

/** The request's Host if it is one of `allowed`; refuses (403) any other, or none. */
export function checkHost(req: IncomingMessage, allowed: readonly string[]): string {
  const host = (req.headers.host ?? "").toLowerCase();
  if (!allowed.includes(host)) {
    throw new HttpError(
      403,
      `Refused: this desk answers to ${allowed.join(", ")} only, not to Host "${host.slice(0, 100)}". ` +
        `Open the address the desk printed.`,
    );
  }
  return host;
}

/**
 * A state-changing request must come from one of the desk's own pages: its Origin is the desk's
 * origin; a request without an Origin needs a Referer on the desk; one with neither is refused.
 */
export function checkSameOrigin(req: IncomingMessage, host: string): void {
  const expected = `http://${host}`;
  const origin = req.headers.origin;
  if (origin !== undefined) {
    if (origin === expected) return;
    throw new HttpError(403, `Refused: a request from ${origin.slice(0, 100)} cannot change anything here.`);
  }
  const referer = req.headers.referer;
  if (referer === undefined) {
    throw new HttpError(403, "Refused: the request names no Origin or Referer; post the desk's own forms.");
  }
  let from: string;
  try {
    from = new URL(referer).origin;
  } catch {
    from = "";
  }
  if (from !== expected) {
    throw new HttpError(403, "Refused: the request does not come from a desk page (Referer).");
  }
}
