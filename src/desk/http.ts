import type { IncomingMessage, ServerResponse } from "node:http";

// The few HTTP chores the desk needs, on Node's own http module: headers every response carries,
// bodies of each kind, cookies, and reading a small form body.

/**
 * The Content-Security-Policy of every response: nothing but the desk's own script, styles and
 * JSON endpoint; forms post only to the desk; no framing; no <base>.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

/**
 * Security: the desk sends its Referer to itself only (it makes no request anywhere else).
 * `no-referrer` would be stricter in name but makes browsers send `Origin: null` with the desk's
 * own form posts (Fetch standard, "append a request Origin header"), which the Origin check
 * must refuse; `same-origin` keeps the Origin and never tells another site anything.
 */
export const REFERRER_POLICY = "same-origin";

const BASE_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": REFERRER_POLICY,
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
};

export interface SendOptions {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** Pages and data: never stored by the browser or anything between (default). Assets: cacheable. */
  readonly cache?: "no-store" | "immutable";
}

export function send(res: ServerResponse, type: string, body: string, options: SendOptions = {}): void {
  const cache = options.cache === "immutable" ? "public, max-age=31536000, immutable" : "no-store";
  res.writeHead(options.status ?? 200, {
    ...BASE_HEADERS,
    "Content-Type": type,
    "Content-Length": String(Buffer.byteLength(body)),
    "Cache-Control": cache,
    ...options.headers,
  });
  res.end(body);
}

export function sendHtml(res: ServerResponse, body: string, options: SendOptions = {}): void {
  send(res, "text/html; charset=utf-8", body, options);
}

export function sendJson(res: ServerResponse, value: unknown, options: SendOptions = {}): void {
  send(res, "application/json; charset=utf-8", JSON.stringify(value), options);
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  send(res, "text/plain; charset=utf-8", `${text}\n`, { status });
}

/** 303 See Other: after a form post, the browser GETs `location` (a path on the desk). */
export function redirect(res: ServerResponse, location: string, cookies: readonly string[] = []): void {
  res.writeHead(303, {
    ...BASE_HEADERS,
    Location: location,
    "Cache-Control": "no-store",
    "Content-Length": "0",
    ...(cookies.length === 0 ? {} : { "Set-Cookie": [...cookies] }),
  });
  res.end();
}

/** The request's cookies by name (the first of each name wins). */
export function cookiesOf(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

/** A refusal the request handler turns into a status and a short page. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The largest form body the desk reads (a draft reply is at most 8,000 characters). */
export const MAX_FORM_BYTES = 64 * 1024;

/** A form post's fields (application/x-www-form-urlencoded only), read up to MAX_FORM_BYTES. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    throw new HttpError(
      415,
      "Refused: the desk accepts form posts (application/x-www-form-urlencoded) only.",
    );
  }
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > MAX_FORM_BYTES) throw new HttpError(413, "Refused: the form is too large.");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_FORM_BYTES) throw new HttpError(413, "Refused: the form is too large.");
    chunks.push(buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}
