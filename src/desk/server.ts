import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DomainError } from "../domain/errors.js";
import { actorSchema } from "../domain/inputs.js";
import type { Channel } from "../domain/schemas.js";
import { loadAssets, type DeskAssets } from "./assets.js";
import { LoginTokens, sameSecret, Sessions, type Session } from "./auth.js";
import {
  allowedAuthorities,
  authority,
  checkHost,
  checkSameOrigin,
  isLoopback,
  isWildcard,
  LOOPBACK,
} from "./guard.js";
import { cookiesOf, HttpError, readForm, redirect, send, sendHtml, sendJson, sendText } from "./http.js";
import { errorPage, loggedOutPage, loginNeededPage, namePage } from "./pages/access.js";
import { DeskPages, type DeskServices, type Reply } from "./routes.js";

// The reviewer desk's HTTP pipeline, on Node's http module. Every request, in this order:
// 1. its Host must be the desk's own address (DNS rebinding), else 403;
// 2. static assets are served to anyone who got that far (they hold no data);
// 3. /login trades the one-time token for a session cookie (HttpOnly, SameSite=Strict);
// 4. anything else needs a live session (else 401 and a page saying how to log in);
// 5. a POST must come from a desk page (Origin, else Referer) and carry the session's CSRF token,
//    checked before its form is acted on (else 403, nothing changes);
// 6. the reviewer's name is asked once per session, then the page or the decision runs.

/** The port the desk listens on unless told otherwise (`--port`; 0 picks a free one). */
export const DEFAULT_PORT = 4680;
export const DEFAULT_POLL_MS = 3_000;

const COOKIE = "desk_session";
/**
 * Security: HttpOnly keeps the page's script from reading the cookie; SameSite=Strict keeps other
 * sites from sending it. No `Secure`: the desk speaks plain HTTP on the loopback interface (the
 * traffic never leaves the machine), and a browser does not send a Secure cookie over plain HTTP.
 */
const COOKIE_ATTRIBUTES = "HttpOnly; SameSite=Strict; Path=/";

/** Where the desk reports logins, refusals and failures (the process's stderr logger). */
export interface DeskLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface DeskOptions {
  /** The interface to bind: 127.0.0.1 by default; another one only with `exposed`. */
  readonly host?: string;
  readonly port?: number;
  /** The operator accepted that a non-loopback interface exposes the desk to the network. */
  readonly exposed?: boolean;
  /** The desk's version, recorded with channel `desk` on every decision. */
  readonly version: string;
  readonly logger: DeskLog;
  /** Shows a new one-time login link where the reviewer can see it (the desk's terminal). */
  readonly onLoginLink: (url: string) => void;
  readonly clock?: () => Date;
  readonly loginTtlMs?: number;
  readonly sessionIdleMs?: number;
  /** How often an open page asks whether anything changed. */
  readonly pollMs?: number;
  /** The browser script (tests); by default the one beside the desk's modules. */
  readonly scriptFile?: string;
}

export interface Desk {
  /** The desk's base URL, e.g. http://127.0.0.1:4680. */
  readonly url: string;
  readonly port: number;
  /** Issues a new one-time login link (the previous one stops working) and returns it. */
  loginLink(): string;
  close(): Promise<void>;
}

/** Why a desk cannot start with these options: a message for the operator, or undefined. */
export function bindProblem(host: string, exposed: boolean): string | undefined {
  if (isLoopback(host) || exposed) return undefined;
  return (
    `--host ${host} would let other machines reach the desk${isWildcard(host) ? " (every interface)" : ""}. ` +
    `The desk binds to ${LOOPBACK} by default; to expose it anyway, add --i-understand-this-exposes-the-desk.`
  );
}

/** The desk's client name on audit events. */
export const DESK_CLIENT_NAME = "support-triage-mcp desk";

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host.replace(/^\[|\]$/g, ""), () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** A path on the desk to go back to after the name page; anything else goes to the dashboard. */
function localPath(value: string | null): string {
  return value !== null && value.startsWith("/") && !value.startsWith("//") && !value.includes("\\")
    ? value
    : "/";
}

export async function startDesk(services: DeskServices, options: DeskOptions): Promise<Desk> {
  const host = options.host ?? LOOPBACK;
  const problem = bindProblem(host, options.exposed === true);
  if (problem !== undefined) throw new Error(problem);
  const clock = options.clock ?? (() => new Date());
  const logger = options.logger;
  const assets: DeskAssets = loadAssets(options.scriptFile);
  const tokens = new LoginTokens(clock, options.loginTtlMs);
  const sessions = new Sessions(clock, options.sessionIdleMs);
  const channel: Channel = { type: "desk", client: { name: DESK_CLIENT_NAME, version: options.version } };
  const pages = new DeskPages(services, {
    assets,
    channel,
    clock,
    pollMs: options.pollMs ?? DEFAULT_POLL_MS,
  });
  const warmStarted = Date.now();
  const tickets = await pages.warm();
  logger.info(`desk: ${tickets} tickets indexed for the desk's pages in ${Date.now() - warmStarted} ms`);
  const staticFiles = new Map([assets.styles, assets.script, assets.icon].map((a) => [a.path, a]));

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => fail(res, error));
  });
  await listen(server, host, options.port ?? DEFAULT_PORT);
  const port = (server.address() as AddressInfo).port;
  const allowed = allowedAuthorities(host, port);
  const base = `http://${allowed.includes(authority(host, port).toLowerCase()) ? authority(host, port) : allowed[0]}`;

  const loginLink = (): string => `${base}/login?token=${tokens.issue()}`;
  /** Prints a fresh link when someone needs one and none is valid. */
  const offerLogin = (): void => {
    if (!tokens.outstanding()) options.onLoginLink(loginLink());
  };

  function fail(res: ServerResponse, error: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof HttpError) {
      if (error.status === 404) sendHtml(res, errorPage(assets, "Not found", error.message), { status: 404 });
      else sendText(res, error.status, error.message);
      if (error.status === 403) logger.warn(`desk: ${error.message}`);
      return;
    }
    if (error instanceof DomainError) {
      const status = error.code === "NOT_FOUND" ? 404 : error.code === "STORE_UNAVAILABLE" ? 503 : 400;
      sendHtml(res, errorPage(assets, error.code === "NOT_FOUND" ? "Not found" : error.code, error.message), {
        status,
      });
      return;
    }
    logger.error(
      `desk: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    sendHtml(
      res,
      errorPage(
        assets,
        "Something went wrong",
        "The desk could not answer; the details are on its terminal.",
      ),
      {
        status: 500,
      },
    );
  }

  function reply(res: ServerResponse, result: Reply): void {
    if (result.kind === "redirect") redirect(res, result.location);
    else if (result.kind === "json") sendJson(res, result.value);
    else sendHtml(res, result.body, result.status === undefined ? {} : { status: result.status });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const hostHeader = checkHost(req, allowed);
    const url = new URL(req.url ?? "/", `http://${hostHeader}`);
    const method = req.method ?? "GET";
    const asset = staticFiles.get(url.pathname);
    if (asset !== undefined && (method === "GET" || method === "HEAD")) {
      send(res, asset.type, asset.body, { cache: "immutable" });
      return;
    }
    if (url.pathname === "/login" && (method === "GET" || method === "HEAD")) {
      login(res, url);
      return;
    }
    const session = sessions.find(cookiesOf(req).get(COOKIE));
    if (session === undefined) {
      if (url.pathname.startsWith("/api/")) {
        sendJson(res, { error: "not logged in" }, { status: 401 });
        return;
      }
      offerLogin();
      const reason = cookiesOf(req).has(COOKIE) ? "expired" : "none";
      sendHtml(res, loginNeededPage(assets, reason), { status: 401 });
      return;
    }
    let form: URLSearchParams | undefined;
    if (method === "POST") {
      checkSameOrigin(req, hostHeader);
      form = await readForm(req);
      if (!sameSecret(form.get("csrf") ?? "", session.csrf)) {
        throw new HttpError(
          403,
          "Refused: the form's CSRF token is missing or not this session's. Reload the page.",
        );
      }
    } else if (method !== "GET" && method !== "HEAD") {
      throw new HttpError(405, `Refused: ${method.slice(0, 20)} is not a method the desk answers.`);
    }
    if (url.pathname === "/logout") {
      if (method !== "POST") throw new HttpError(405, "Refused: log out with the button (a POST).");
      sessions.end(session);
      res.setHeader("Set-Cookie", `${COOKIE}=; ${COOKIE_ATTRIBUTES}; Max-Age=0`);
      sendHtml(res, loggedOutPage(assets));
      return;
    }
    if (url.pathname === "/name") {
      name(res, session, method, url, form);
      return;
    }
    const reviewer = session.reviewer;
    if (reviewer === undefined && !url.pathname.startsWith("/api/")) {
      redirect(res, `/name?next=${encodeURIComponent(url.pathname + url.search)}`);
      return;
    }
    const route = pages.match(method, url.pathname);
    if (route === "none")
      throw new HttpError(404, `There is no page ${url.pathname.slice(0, 100)} on the desk.`);
    if (route === "method") throw new HttpError(405, `Refused: ${method.slice(0, 20)} is not allowed here.`);
    // One catch-up per request: on the PostgreSQL store this reads what other servers were
    // notified to have committed (nearly free on the file store, whose view() checks the log).
    await services.service.refresh("notified");
    reply(
      res,
      await route({ url, session, reviewer: reviewer ?? "", ...(form === undefined ? {} : { form }) }),
    );
  }

  function login(res: ServerResponse, url: URL): void {
    if (!tokens.redeem(url.searchParams.get("token") ?? "")) {
      offerLogin();
      sendHtml(res, loginNeededPage(assets, "link"), { status: 401 });
      return;
    }
    const { cookie } = sessions.create();
    logger.info("desk: a reviewer logged in with the one-time link");
    redirect(res, "/name", [`${COOKIE}=${cookie}; ${COOKIE_ATTRIBUTES}`]);
  }

  function name(
    res: ServerResponse,
    session: Session,
    method: string,
    url: URL,
    form?: URLSearchParams,
  ): void {
    if (method !== "POST" || form === undefined) {
      sendHtml(
        res,
        namePage(assets, session.csrf, session.reviewer, localPath(url.searchParams.get("next"))),
      );
      return;
    }
    const next = localPath(form.get("next"));
    const parsed = actorSchema.safeParse((form.get("reviewer") ?? "").trim());
    if (!parsed.success) {
      const problem = parsed.error.issues[0]?.message.replace(/^actor/, "Your name") ?? "Enter your name.";
      sendHtml(res, namePage(assets, session.csrf, undefined, next, problem), { status: 400 });
      return;
    }
    session.reviewer = parsed.data;
    redirect(res, next);
  }

  return {
    url: base,
    port,
    loginLink,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
