import { afterEach, describe, expect, it } from "vitest";
import { bindProblem, startDesk } from "../../src/desk/index.js";
import { createMemoryLogger } from "../../src/logging.js";
import {
  createHostileTicket,
  form,
  fromDesk,
  login,
  send,
  startTestDesk,
  submitRecommendation,
  type Login,
  type TestDesk,
} from "../support/desk.js";

// The desk over plain HTTP, headers under the test's control: who may see a page, who may change
// anything, and that a refused request changes nothing (checked in the runtime, not the page).

const running: TestDesk[] = [];
async function desk(): Promise<TestDesk> {
  const t = await startTestDesk();
  running.push(t);
  return t;
}
afterEach(async () => {
  for (const t of running.splice(0)) await t.close();
});

/** What a refused post must leave as it was: the log's last event and the recommendation. */
function state(t: TestDesk, recommendationId: string) {
  return {
    seq: t.triage.queue.changes().seq,
    resolution: t.triage.service.getRecommendation(recommendationId).resolution,
    revision: t.triage.service.getTicket("TKT-3005").revision,
  };
}

function approval(l: Login, extra: Record<string, string | string[]> = {}) {
  return form({
    csrf: l.csrf,
    ticketId: "TKT-3005",
    revision: "0",
    decision: "approve",
    field: ["priority", "team"],
    ...extra,
  });
}

describe("the desk without a session", () => {
  it("answers every page 401 with how to log in, the JSON endpoint 401, and serves only its assets", async () => {
    const t = await desk();
    for (const path of ["/", "/tickets", "/tickets/TKT-3005", "/reviews", "/handoffs", "/name"]) {
      const r = await send(t, path);
      expect(r.status, path).toBe(401);
      expect(r.body, path).toContain("Open the login link the desk printed in the terminal");
      expect(r.body, path).not.toContain("TKT-3005");
    }
    const api = await send(t, "/api/changes");
    expect(api.status).toBe(401);
    expect(JSON.parse(api.body)).toEqual({ error: "not logged in" });
    const page = await send(t, "/");
    const asset = /href="(\/assets\/desk-[0-9a-f]+\.css)"/.exec(page.body)?.[1] ?? "";
    const css = await send(t, asset);
    expect(css.status).toBe(200);
    expect(css.headers["cache-control"]).toContain("immutable");
  });

  it("refuses a decision post with 401 and changes nothing", async () => {
    const t = await desk();
    const rec = await submitRecommendation(t.triage);
    const before = state(t, rec.id);
    const r = await send(t, `/reviews/${rec.id}/decision`, {
      method: "POST",
      headers: { Origin: t.desk.url, "Content-Type": "application/x-www-form-urlencoded" },
      body: approval({ cookie: "", csrf: "" }),
    });
    expect(r.status).toBe(401);
    expect(state(t, rec.id)).toEqual(before);
  });
});

describe("logging in", () => {
  it("trades the printed link once for a session cookie (HttpOnly, SameSite=Strict, Path=/, not Secure) and drops the token from the URL", async () => {
    const t = await desk();
    const link = new URL(t.links[0] ?? "");
    expect(link.origin).toBe(t.desk.url);
    expect(link.hostname).toBe("127.0.0.1");
    const first = await send(t, link.pathname + link.search);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe("/name");
    const cookie = String(first.headers["set-cookie"]);
    expect(cookie).toMatch(/^desk_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/$/);
    expect(cookie).not.toContain("Secure");
    const second = await send(t, link.pathname + link.search);
    expect(second.status).toBe(401);
    expect(second.headers["set-cookie"]).toBeUndefined();
    expect(second.body).toContain("This login link is used up, expired or unknown.");
    // A new link is printed for whoever needs one, and only one while it is valid.
    expect(t.links).toHaveLength(2);
    await send(t, "/");
    expect(t.links).toHaveLength(2);
    const third = new URL(t.links[1] ?? "");
    expect((await send(t, third.pathname + third.search)).status).toBe(303);
  });

  it("refuses a link after its few minutes, and a made-up one", async () => {
    const t = await desk();
    const link = new URL(t.links[0] ?? "");
    t.clock.now = new Date(t.clock.now.getTime() + 11 * 60_000);
    expect((await send(t, link.pathname + link.search)).status).toBe(401);
    expect((await send(t, "/login?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")).status).toBe(401);
    expect((await send(t, "/login")).status).toBe(401);
  });

  it("asks the reviewer's name once per session, then shows the page asked for", async () => {
    const t = await desk();
    const link = new URL(t.links[0] ?? "");
    const cookie = /desk_session=([^;]+)/.exec(
      String((await send(t, link.pathname + link.search)).headers["set-cookie"]),
    )?.[1];
    const headers = { Cookie: `desk_session=${cookie}` };
    const asked = await send(t, "/tickets?team=billing", { headers });
    expect(asked.status).toBe(303);
    expect(asked.headers.location).toBe(`/name?next=${encodeURIComponent("/tickets?team=billing")}`);
    const namePage = await send(t, asked.headers.location ?? "", { headers });
    const csrf = /name="csrf" value="([^"]+)"/.exec(namePage.body)?.[1] ?? "";
    const blank = await send(t, "/name", {
      method: "POST",
      headers: fromDesk(t, { cookie: cookie ?? "", csrf }),
      body: form({ csrf, reviewer: "   ", next: "/tickets?team=billing" }),
    });
    expect(blank.status).toBe(400);
    expect(blank.body).toContain("must not be blank");
    const named = await send(t, "/name", {
      method: "POST",
      headers: fromDesk(t, { cookie: cookie ?? "", csrf }),
      body: form({ csrf, reviewer: "dana.reviewer", next: "//evil.example/" }),
    });
    expect(named.headers.location).toBe("/");
    const list = await send(t, "/tickets?team=billing", { headers });
    expect(list.status).toBe(200);
    expect(list.body).toContain("dana.reviewer");
  });
});

describe("state-changing requests", () => {
  it("a decision from the desk applies through the approval decision, with channel desk and the session's reviewer", async () => {
    const t = await desk();
    const rec = await submitRecommendation(t.triage);
    const l = await login(t, "dana.reviewer");
    const r = await send(t, `/reviews/${rec.id}/decision`, {
      method: "POST",
      headers: fromDesk(t, l),
      // A posted reviewer field is not who decides: the session's name is.
      body: approval(l, { reviewer: "someone-else" }),
    });
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe(`/reviews/${rec.id}`);
    const event = (await t.triage.service.auditEvents({ ticketId: "TKT-3005", offset: 1, limit: 1 }))
      .items[0];
    expect(event).toMatchObject({
      action: "recommendation-approved",
      actor: "dana.reviewer",
      channel: { type: "desk", client: { name: "support-triage-mcp desk", version: "9.9.9-test" } },
    });
    expect(event?.changes?.map((c) => c.field)).toEqual(["priority", "team"]);
    const shown = await send(t, r.headers.location ?? "", {
      headers: { Cookie: `desk_session=${l.cookie}` },
    });
    expect(shown.body).toContain("TKT-3005 is now at revision 1");
  });

  it("refuses a post without the CSRF token, or with another session's, and changes nothing", async () => {
    const t = await desk();
    const rec = await submitRecommendation(t.triage);
    const mine = await login(t);
    t.links.push(t.desk.loginLink());
    const theirs = await login(t, "eve");
    const before = state(t, rec.id);
    for (const csrf of ["", theirs.csrf, `${mine.csrf}x`]) {
      const r = await send(t, `/reviews/${rec.id}/decision`, {
        method: "POST",
        headers: fromDesk(t, mine),
        body: approval({ ...mine, csrf }),
      });
      expect(r.status, csrf).toBe(403);
      expect(r.body).toContain("CSRF token");
    }
    const none = await send(t, `/reviews/${rec.id}/decision`, {
      method: "POST",
      headers: fromDesk(t, mine),
      body: form({ ticketId: "TKT-3005", revision: "0", decision: "approve", field: "team" }),
    });
    expect(none.status).toBe(403);
    expect(state(t, rec.id)).toEqual(before);
  });

  it("refuses a post from a foreign Origin, Origin null, or with neither Origin nor Referer, and changes nothing", async () => {
    const t = await desk();
    const rec = await submitRecommendation(t.triage);
    const l = await login(t);
    const before = state(t, rec.id);
    const base = { Cookie: `desk_session=${l.cookie}`, "Content-Type": "application/x-www-form-urlencoded" };
    const cases: Record<string, string>[] = [
      { Origin: "http://evil.example" },
      { Origin: `http://localhost:${t.desk.port}` },
      { Origin: "null" },
      { Origin: "http://evil.example", Referer: `${t.desk.url}/reviews` },
      { Referer: "http://evil.example/page" },
      {},
    ];
    for (const headers of cases) {
      const r = await send(t, `/reviews/${rec.id}/decision`, {
        method: "POST",
        headers: { ...base, ...headers },
        body: approval(l),
      });
      expect(r.status, JSON.stringify(headers)).toBe(403);
    }
    expect(state(t, rec.id)).toEqual(before);
    // A browser that sends no Origin but a Referer on the desk is accepted.
    const byReferer = await send(t, "/name", {
      method: "POST",
      headers: { ...base, Referer: `${t.desk.url}/name` },
      body: form({ csrf: l.csrf, reviewer: "dana.r", next: "/" }),
    });
    expect(byReferer.status).toBe(303);
  });

  it("refuses a foreign Host header on every path, even with a valid session and token (DNS rebinding), and changes nothing", async () => {
    const t = await desk();
    const rec = await submitRecommendation(t.triage);
    const l = await login(t);
    const before = state(t, rec.id);
    for (const host of [
      "evil.example",
      `evil.example:${t.desk.port}`,
      `localhost:${t.desk.port}`,
      "127.0.0.1:1",
    ]) {
      const page = await send(t, "/", { headers: { Host: host, Cookie: `desk_session=${l.cookie}` } });
      expect(page.status, host).toBe(403);
      expect(page.body).not.toContain("TKT-");
      const link = await send(t, "/login?token=x", { headers: { Host: host } });
      expect(link.status, host).toBe(403);
      const post = await send(t, `/reviews/${rec.id}/decision`, {
        method: "POST",
        headers: { ...fromDesk(t, l), Host: host, Origin: `http://${host}` },
        body: approval(l),
      });
      expect(post.status, host).toBe(403);
    }
    expect(state(t, rec.id)).toEqual(before);
    expect(t.logs.some((line) => line.startsWith("warn: desk: Refused: this desk answers to"))).toBe(true);
  });

  it("refuses bodies that are not small forms (415, 413) and methods it does not answer (405)", async () => {
    const t = await desk();
    const rec = await submitRecommendation(t.triage);
    const l = await login(t);
    const before = state(t, rec.id);
    const json = await send(t, `/reviews/${rec.id}/decision`, {
      method: "POST",
      headers: { ...fromDesk(t, l), "Content-Type": "application/json" },
      body: JSON.stringify({ csrf: l.csrf, decision: "approve" }),
    });
    expect(json.status).toBe(415);
    const huge = await send(t, `/reviews/${rec.id}/decision`, {
      method: "POST",
      headers: fromDesk(t, l),
      body: approval(l, { feedback: "x".repeat(70_000) }),
    });
    expect(huge.status).toBe(413);
    const put = await send(t, "/", { method: "PUT", headers: fromDesk(t, l), body: form({ csrf: l.csrf }) });
    expect(put.status).toBe(405);
    expect((await send(t, "/logout", { headers: { Cookie: `desk_session=${l.cookie}` } })).status).toBe(405);
    expect(state(t, rec.id)).toEqual(before);
  });
});

describe("sessions", () => {
  it("refuses the cookie of a logged-out session", async () => {
    const t = await desk();
    const l = await login(t);
    const out = await send(t, "/logout", {
      method: "POST",
      headers: fromDesk(t, l),
      body: form({ csrf: l.csrf }),
    });
    expect(out.status).toBe(200);
    expect(String(out.headers["set-cookie"])).toContain(
      "desk_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0",
    );
    const after = await send(t, "/", { headers: { Cookie: `desk_session=${l.cookie}` } });
    expect(after.status).toBe(401);
    expect(after.body).toContain("Your session has ended");
    expect((await send(t, "/api/changes", { headers: { Cookie: `desk_session=${l.cookie}` } })).status).toBe(
      401,
    );
  });

  it("ends a session left idle for half an hour", async () => {
    const t = await desk();
    const l = await login(t);
    const cookie = { Cookie: `desk_session=${l.cookie}` };
    t.clock.now = new Date(t.clock.now.getTime() + 29 * 60_000);
    expect((await send(t, "/", { headers: cookie })).status).toBe(200);
    t.clock.now = new Date(t.clock.now.getTime() + 31 * 60_000);
    expect((await send(t, "/", { headers: cookie })).status).toBe(401);
  });
});

describe("what every page carries", () => {
  it("a strict Content-Security-Policy, nosniff, a same-origin referrer policy, no framing and no-store", async () => {
    const t = await desk();
    const rec = await submitRecommendation(t.triage);
    const l = await login(t);
    for (const path of [
      "/",
      "/tickets",
      "/tickets/TKT-3005",
      "/reviews",
      `/reviews/${rec.id}`,
      "/handoffs",
      "/api/changes",
    ]) {
      const r = await send(t, path, { headers: { Cookie: `desk_session=${l.cookie}` } });
      expect(r.status, path).toBe(200);
      expect(r.headers["content-security-policy"]).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
          "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      );
      expect(r.headers["x-content-type-options"]).toBe("nosniff");
      expect(r.headers["referrer-policy"]).toBe("same-origin");
      expect(r.headers["x-frame-options"]).toBe("DENY");
      expect(r.headers["cache-control"]).toBe("no-store");
      if (path !== "/api/changes") {
        // No inline script, no inline event handler, nothing loaded from elsewhere.
        expect(r.body.match(/<script[^>]*>/g), path).toEqual([
          expect.stringMatching(/^<script src="\/assets\/desk-[0-9a-f]{12}\.js" defer>$/),
        ]);
        expect(r.body, path).not.toMatch(/\son[a-z]+=/i);
        expect(r.body, path).not.toMatch(/(src|href)="(https?:)?\/\//);
      }
    }
  });

  it("ticket text as text on every page that shows it: markup and script are escaped", async () => {
    const t = await desk();
    const id = await createHostileTicket(t.triage);
    const rec = await submitRecommendation(t.triage, { ticketId: id, tags: [] });
    const l = await login(t);
    for (const path of ["/tickets", `/tickets/${id}`, `/reviews/${rec.id}`, "/reviews", "/"]) {
      const r = await send(t, path, { headers: { Cookie: `desk_session=${l.cookie}` } });
      expect(r.status, path).toBe(200);
      if (path !== "/") expect(r.body, path).toContain("&lt;script&gt;window.__pwned");
      expect(r.body, path).not.toContain("<script>window");
      expect(r.body, path).not.toContain("<img src=x");
      expect(r.body, path).not.toContain("<i onmouseover");
    }
  });

  it("the change mark moves when another process commits", async () => {
    const t = await desk();
    const l = await login(t);
    const mark = async () =>
      JSON.parse(
        (await send(t, "/api/changes", { headers: { Cookie: `desk_session=${l.cookie}` } })).body,
      ) as {
        seq: number;
      };
    const before = await mark();
    const other = await t.openAnother();
    await submitRecommendation(other);
    expect((await mark()).seq).toBe(before.seq + 1);
  });

  it("unknown paths are 404 pages; a malformed id is not found, not an error", async () => {
    const t = await desk();
    const l = await login(t);
    const cookie = { Cookie: `desk_session=${l.cookie}` };
    expect((await send(t, "/nowhere", { headers: cookie })).status).toBe(404);
    expect((await send(t, "/tickets/TKT-9999", { headers: cookie })).status).toBe(404);
    expect((await send(t, "/tickets/..%2F..%2Fetc%2Fpasswd", { headers: cookie })).status).toBe(404);
    expect((await send(t, "/reviews/not-a-uuid", { headers: cookie })).status).toBe(404);
    expect((await send(t, "/reviews/%E0%A4%A", { headers: cookie })).status).toBe(404);
  });
});

describe("where the desk listens", () => {
  it("binds to 127.0.0.1 by default and refuses any other interface without the explicit flag", async () => {
    const t = await desk();
    expect(t.desk.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(bindProblem("127.0.0.1", false)).toBeUndefined();
    expect(bindProblem("0.0.0.0", false)).toContain("--i-understand-this-exposes-the-desk");
    expect(bindProblem("192.168.1.20", false)).toContain("would let other machines reach the desk");
    expect(bindProblem("0.0.0.0", true)).toBeUndefined();
    await expect(
      startDesk(t.triage, {
        host: "0.0.0.0",
        port: 0,
        version: "test",
        logger: createMemoryLogger(),
        onLoginLink: () => undefined,
      }),
    ).rejects.toThrow("--i-understand-this-exposes-the-desk");
  });
});
