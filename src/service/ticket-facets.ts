import { compareTicketIds } from "../domain/ids.js";
import type { Ticket } from "../domain/schemas.js";
import { parseAuditEvent, type AuditEventData } from "../domain/audit-events.js";
import type { TriageStore } from "../store/index.js";

// What the store does not index: tickets by customer (name or email, by prefix) and, for tickets
// created over MCP, by the client and session they came from (recorded on the `ticket-created`
// event, not on the ticket). Both only ever grow: a ticket's customer never changes after it is
// created (approvals change triage fields only) and neither does where it came from. So the index
// catches up incrementally, like the similarity index: the tickets that entered the store since the
// last call, and the audit events appended since then; a replaced runtime (another generation)
// starts it over.

/** Where a ticket came from, as its `ticket-created` event records it. */
export type TicketOrigin = AuditEventData<"ticket-created">["source"];

/** How many tickets or events one read takes while catching up. */
const CHUNK = 2_000;

/** A customer name or email as the index compares it: NFKC, lower case, single spaces. */
export function customerKey(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
}

function push(map: Map<string, string[]>, key: string, id: string): void {
  const ids = map.get(key);
  if (ids === undefined) map.set(key, [id]);
  else ids.push(id);
}

/** Index of the first key >= `prefix` in a sorted array. */
function lowerBound(keys: readonly string[], prefix: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) < prefix) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class TicketFacets {
  private generation = -1;
  /** Tickets read, in the store's insertion order. */
  private ticketsRead = 0;
  /** Audit events read, oldest first. */
  private eventsRead = 0;
  /** Distinct customer keys (names and emails), sorted, for prefix search. */
  private keys: string[] = [];
  private readonly byCustomer = new Map<string, string[]>();
  private readonly byClient = new Map<string, string[]>();
  private readonly bySession = new Map<string, string[]>();
  private readonly sources = new Map<string, TicketOrigin>();

  constructor(private readonly store: Pick<TriageStore, "view" | "listAuditEvents">) {}

  /** Reads what entered the store since the last call. */
  async sync(): Promise<void> {
    const view = this.store.view();
    if (view.generation !== this.generation) this.reset(view.generation);
    const count = view.ticketCount();
    const added: string[] = [];
    for (let from = this.ticketsRead; from < count; from += CHUNK) {
      for (const ticket of view.ticketsByInsertion(from, Math.min(count, from + CHUNK))) {
        this.addCustomer(ticket, added);
      }
    }
    this.ticketsRead = count;
    if (added.length > 0) this.keys = mergeKeys(this.keys, added);
    for (;;) {
      const page = await this.store.listAuditEvents({}, { offset: this.eventsRead, limit: CHUNK });
      for (const event of page.items) {
        if (event.action !== "ticket-created") continue;
        const typed = parseAuditEvent(event);
        if ("event" in typed && typed.event.action === "ticket-created") {
          this.addSource(typed.event.data.ticket.id, typed.event.data.source);
        }
      }
      this.eventsRead += page.items.length;
      if (page.items.length < CHUNK) break;
    }
  }

  /** Ids of tickets whose customer name or email starts with `prefix` (compared as customerKey). */
  customerTickets(prefix: string): string[] {
    const key = customerKey(prefix);
    const out = new Set<string>();
    for (let i = lowerBound(this.keys, key); i < this.keys.length; i++) {
      const k = this.keys[i] as string;
      if (!k.startsWith(key)) break;
      for (const id of this.byCustomer.get(k) ?? []) out.add(id);
    }
    return [...out];
  }

  /** Ids of tickets created over MCP by the client named `name`. */
  clientTickets(name: string): readonly string[] {
    return this.byClient.get(name) ?? [];
  }

  /** Ids of tickets created over MCP in session `session`. */
  sessionTickets(session: string): readonly string[] {
    return this.bySession.get(session) ?? [];
  }

  /** The client names that created tickets, sorted. */
  clients(): string[] {
    return [...this.byClient.keys()].sort((a, b) => a.localeCompare(b));
  }

  /** Where a ticket created over MCP or the CLI came from; undefined for seeded and imported ones. */
  sourceOf(ticketId: string): TicketOrigin | undefined {
    return this.sources.get(ticketId);
  }

  private reset(generation: number): void {
    this.generation = generation;
    this.ticketsRead = 0;
    this.eventsRead = 0;
    this.keys = [];
    this.byCustomer.clear();
    this.byClient.clear();
    this.bySession.clear();
    this.sources.clear();
  }

  private addCustomer(ticket: Ticket, added: string[]): void {
    const keys = new Set([customerKey(ticket.customer.name)]);
    if (ticket.customer.email !== undefined) keys.add(customerKey(ticket.customer.email));
    for (const key of keys) {
      if (key === "") continue;
      if (!this.byCustomer.has(key)) added.push(key);
      push(this.byCustomer, key, ticket.id);
    }
  }

  private addSource(ticketId: string, source: TicketOrigin): void {
    if (this.sources.has(ticketId)) return;
    this.sources.set(ticketId, source);
    if (source.client !== undefined) push(this.byClient, source.client.name, ticketId);
    push(this.bySession, source.session, ticketId);
  }
}

/** The sorted union of sorted `keys` and the new, distinct `added` keys. */
function mergeKeys(keys: readonly string[], added: string[]): string[] {
  added.sort();
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < keys.length || j < added.length) {
    const a = keys[i];
    const b = added[j];
    if (b === undefined || (a !== undefined && a <= b)) {
      out.push(a as string);
      i++;
    } else {
      out.push(b);
      j++;
    }
  }
  return out;
}

/** Ticket ids in the store's list order. */
export function inIdOrder(ids: Iterable<string>): string[] {
  return [...ids].sort(compareTicketIds);
}
