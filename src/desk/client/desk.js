// @ts-check
// The desk's only script, served from the desk itself (the Content-Security-Policy allows no
// other). Pages work without it; it keeps a page current while other processes change the queue:
// it asks /api/changes for the store's last sequence number every few seconds and, when it moved,
// fetches the same page again and swaps in only the regions (`data-live`, each with a
// `data-version`) whose content changed. A region the reviewer is working in (a ticked box, an
// edited text, the focus) is never replaced under them: it gets a notice and a button instead.
// The fetched page is the desk's own escaped HTML, parsed inert (DOMParser runs no script).
(() => {
  const body = document.body;
  const endpoint = body.dataset.changes ?? "";
  if (endpoint === "") return;
  const every = Number(body.dataset.pollMs) || 3000;
  let mark = body.dataset.mark ?? "";
  let busy = false;
  let stopped = false;
  /** The newest version of a region that could not be replaced yet, by region id. */
  const waiting = new Map();

  /** @param {Element} region */
  function inUse(region) {
    const active = document.activeElement;
    if (
      active !== null &&
      active !== body &&
      region.contains(active) &&
      active.matches("input, textarea, select, button")
    ) {
      return true;
    }
    for (const el of region.querySelectorAll("input, textarea, select")) {
      if (el instanceof HTMLInputElement) {
        if (el.type === "checkbox" || el.type === "radio") {
          if (el.checked !== el.defaultChecked) return true;
        } else if (el.type !== "hidden" && el.value !== el.defaultValue) {
          return true;
        }
      } else if (el instanceof HTMLTextAreaElement) {
        if (el.value !== el.defaultValue) return true;
      } else if (el instanceof HTMLSelectElement) {
        const initial = [...el.options].findIndex((o) => o.defaultSelected);
        if (el.selectedIndex !== (initial === -1 ? 0 : initial)) return true;
      }
    }
    return false;
  }

  /**
   * @param {Element} region
   * @param {string} text
   * @param {Element | undefined} fresh
   */
  function notice(region, text, fresh) {
    waiting.set(region.id, fresh);
    if (region.querySelector(":scope > .stale") !== null) return;
    const p = document.createElement("p");
    p.className = "stale";
    p.setAttribute("role", "status");
    p.textContent = text;
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = fresh === undefined ? "Remove it" : "Show the current version";
    button.addEventListener("click", () => {
      const latest = waiting.get(region.id);
      waiting.delete(region.id);
      if (latest === undefined) region.remove();
      else region.replaceWith(document.importNode(latest, true));
    });
    p.append(" ", button);
    region.prepend(p);
  }

  /** @param {Element} fresh */
  function insert(fresh) {
    const node = document.importNode(fresh, true);
    const before = fresh.previousElementSibling;
    const anchor = before !== null && before.id !== "" ? document.getElementById(before.id) : null;
    if (anchor !== null) {
      anchor.after(node);
      return;
    }
    const parent = fresh.parentElement;
    const home = parent !== null && parent.id !== "" ? document.getElementById(parent.id) : null;
    home?.prepend(node);
  }

  /** Fetches this page again and swaps in the regions that changed; false when it could not. */
  async function refresh() {
    const res = await fetch(location.href, { headers: { Accept: "text/html" }, cache: "no-store" });
    if (!res.ok || res.redirected) return false;
    const doc = new DOMParser().parseFromString(await res.text(), "text/html");
    const fresh = [...doc.querySelectorAll("[data-live]")];
    const ids = new Set(fresh.map((r) => r.id));
    for (const old of document.querySelectorAll("[data-live]")) {
      if (ids.has(old.id)) continue;
      if (inUse(old)) notice(old, "This was decided or removed elsewhere since you opened it.", undefined);
      else old.remove();
    }
    for (const region of fresh) {
      const old = document.getElementById(region.id);
      if (old === null) {
        insert(region);
      } else if (old.getAttribute("data-version") !== region.getAttribute("data-version")) {
        if (inUse(old))
          notice(old, "This changed since you opened it (another reviewer or an AI client).", region);
        else old.replaceWith(document.importNode(region, true));
      }
    }
    return true;
  }

  function sessionEnded() {
    const main = document.querySelector("main");
    if (main === null || main.querySelector(".session-ended") !== null) return;
    const p = document.createElement("p");
    p.className = "notice warn session-ended";
    p.setAttribute("role", "alert");
    p.textContent =
      "Your desk session has ended. Open a new login link from the terminal where the desk runs.";
    main.prepend(p);
  }

  async function tick() {
    if (busy || stopped || document.hidden) return;
    busy = true;
    try {
      const res = await fetch(endpoint, { headers: { Accept: "application/json" }, cache: "no-store" });
      if (res.status === 401) {
        stopped = true;
        sessionEnded();
        return;
      }
      if (!res.ok) return;
      /** @type {{ seq: number, generation: number }} */
      const now = await res.json();
      const next = `${now.generation}.${now.seq}`;
      if (next !== mark && (await refresh())) {
        mark = next;
        body.dataset.mark = next;
      }
    } catch {
      // The desk is restarting or the machine is busy: the next tick tries again.
    } finally {
      busy = false;
    }
  }

  // A second press of a button while the first post is on its way sends nothing more.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method !== "post") return;
    if (form.dataset.sent === "true") event.preventDefault();
    else form.dataset.sent = "true";
  });
  // Back to a page from the history: its forms can be sent again.
  window.addEventListener("pageshow", () => {
    for (const form of document.forms) delete form.dataset.sent;
  });
  setInterval(() => void tick(), every);
  document.addEventListener("visibilitychange", () => void tick());
})();
