import { z } from "zod";
import type { Team } from "../domain/enums.js";
import { DomainError } from "../domain/errors.js";
import type { HandoffState } from "../domain/handoffs.js";

// Where handoffs go and how one is sent: the webhook configuration (team ids to URLs, never
// printed in full) and one POST of a stored payload.

// ---------- webhook configuration ----------

/** Team ids (the workspace's), plus "*" for every team without its own URL. */
export type WebhookConfig = Readonly<Partial<Record<string, string>>>;

function isHttpUrl(text: string): boolean {
  if (/\s/.test(text)) return false;
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

// Security: messages never echo a URL; webhook URLs usually carry a secret token.
function webhookConfigSchema(teams: readonly string[]) {
  return z
    .record(
      z.string(),
      z.string().refine(isHttpUrl, { message: "must be an absolute http:// or https:// URL" }),
    )
    .superRefine((config, ctx) => {
      for (const key of Object.keys(config)) {
        if (key !== "*" && !teams.includes(key)) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `keys are team ids (${teams.join(", ")}) or "*"`,
          });
        }
      }
    });
}

/** Validates a webhook configuration (`{"security": "https://...", "*": "..."}`) for the workspace's teams. */
export function parseWebhookConfig(json: unknown, source: string, teams: readonly string[]): WebhookConfig {
  const parsed = webhookConfigSchema(teams).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? "" : ` at "${issue.path.join(".")}"`;
    throw new DomainError(
      "INVALID_INPUT",
      `The webhook configuration (${source}) is not valid${where}: ${issue?.message ?? "unknown problem"}. ` +
        `Expected a JSON object mapping team ids or "*" to http(s) URLs.`,
    );
  }
  return Object.freeze({ ...parsed.data });
}

/** The URL a team's handoffs go to: its own, else the "*" fallback. */
export function webhookFor(config: WebhookConfig, team: Team): string | undefined {
  return config[team] ?? config["*"];
}

/**
 * A URL safe to print: no credentials, no query or fragment, and only the first path segment
 * (chat webhooks keep their token in the path).
 */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "<invalid URL>";
  }
  const segments = url.pathname.split("/").filter((s) => s !== "");
  const path = segments.length === 0 ? "/" : `/${segments[0]}${segments.length > 1 ? "/…" : ""}`;
  const query = url.search === "" ? "" : "?…";
  return `${url.protocol}//${url.host}${path}${query}`;
}

// ---------- posting ----------

/** What one POST needs of a delivery run. */
export interface PostOptions {
  readonly fetch: typeof globalThis.fetch;
  /** Per request. */
  readonly timeoutMs: number;
}

export type Posted =
  | { readonly ok: true; readonly httpStatus: number }
  | { readonly ok: false; readonly httpStatus?: number; readonly error: string };

/**
 * One POST of the stored payload, exactly as the approval built it. Redirects are not followed
 * (the payload goes to the configured host only); the response body is discarded.
 */
export async function post(handoff: HandoffState, url: string, run: PostOptions): Promise<Posted> {
  let response: Response;
  try {
    const target = requestTarget(url);
    response = await run.fetch(target.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Idempotency-Key": handoff.key,
        "User-Agent": "support-triage-mcp-handoffs",
        ...(target.authorization === undefined ? {} : { Authorization: target.authorization }),
      },
      body: JSON.stringify(handoff.payload),
      redirect: "manual",
      signal: AbortSignal.timeout(run.timeoutMs),
    });
  } catch (error) {
    return { ok: false, error: redactIn(networkError(error, run.timeoutMs), url) };
  }
  try {
    await response.body?.cancel();
  } catch {
    // The status is all we need; a body that cannot be discarded changes nothing.
  }
  if (response.status >= 200 && response.status < 300) return { ok: true, httpStatus: response.status };
  const reason = response.statusText === "" ? "" : ` ${response.statusText}`;
  const redirect = response.status >= 300 && response.status < 400 ? " (redirects are not followed)" : "";
  return {
    ok: false,
    httpStatus: response.status,
    error: redactIn(`HTTP ${response.status}${reason}${redirect}`, url),
  };
}

/** fetch refuses URLs with credentials: `user:password@` is sent as Basic authorization instead. */
function requestTarget(url: string): { url: string; authorization?: string } {
  const parsed = new URL(url);
  if (parsed.username === "" && parsed.password === "") return { url };
  const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  parsed.username = "";
  parsed.password = "";
  return { url: parsed.toString(), authorization: `Basic ${Buffer.from(credentials).toString("base64")}` };
}

function networkError(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === "TimeoutError" || err.name === "AbortError") return `timed out after ${timeoutMs} ms`;
  const cause = err.cause;
  const text = [cause?.message, cause?.code, err.message].find((t) => typeof t === "string" && t !== "");
  return `network error: ${text ?? String(error)}`;
}

/** Security: an error text never carries the webhook URL in full. */
function redactIn(text: string, url: string): string {
  let out = text.split(url).join(redactUrl(url));
  try {
    const parsed = new URL(url);
    for (const secret of [parsed.username, parsed.password, parsed.search.slice(1)]) {
      if (secret.length >= 4) out = out.split(secret).join("…");
    }
  } catch {
    // Validated already; nothing more to hide.
  }
  return out;
}
