import { NO_ORDINALS } from "./sorted.js";

// Which events concern which ticket, so a ticket's audit history is a page of sequence numbers
// without reading the log. Events are kept by the backend (the file store: byte ranges of
// audit.jsonl); this index only knows their sequence numbers.

export class EventIndex {
  private readonly byTicket = new Map<string, number[]>();
  private total = 0;

  /** Records event `seq` (the next one) and the ticket it names, if any. */
  record(seq: number, ticketId: string | null): void {
    if (seq !== this.total) throw new Error(`event seq ${seq} recorded after ${this.total - 1}`);
    this.total++;
    if (ticketId === null) return;
    let list = this.byTicket.get(ticketId);
    if (list === undefined) {
      list = [];
      this.byTicket.set(ticketId, list);
    }
    list.push(seq);
  }

  /** Events in all, or naming `ticketId`. */
  count(ticketId?: string): number {
    return ticketId === undefined ? this.total : (this.byTicket.get(ticketId)?.length ?? 0);
  }

  /** Sequence numbers of one page of events, oldest first. */
  seqs(ticketId: string | undefined, offset: number, limit: number): number[] {
    if (ticketId !== undefined)
      return (this.byTicket.get(ticketId) ?? NO_ORDINALS).slice(offset, offset + limit);
    const end = Math.min(this.total, offset + limit);
    const out: number[] = [];
    for (let seq = offset; seq < end; seq++) out.push(seq);
    return out;
  }

  /** The ticket of every event, by seq (null: none), as a snapshot lists them. */
  tickets(): (string | null)[] {
    const out = new Array<string | null>(this.total).fill(null);
    for (const [id, seqs] of this.byTicket) for (const seq of seqs) out[seq] = id;
    return out;
  }

  /** The index of events 0..n-1 whose tickets are `tickets` (from a snapshot). */
  static fromTickets(tickets: readonly (string | null | undefined)[]): EventIndex {
    const index = new EventIndex();
    tickets.forEach((ticketId, seq) => index.record(seq, ticketId ?? null));
    return index;
  }
}
