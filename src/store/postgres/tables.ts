import type pg from "pg";
import type { AuditEvent } from "../../domain/audit-events.js";
import type { HandoffState } from "../../domain/handoffs.js";
import type { Recommendation, Ticket } from "../../domain/schemas.js";
import type { Effect } from "../core/reducer.js";

// Writing an event and its effects: the audit_events row (the line, hashed, plus columns to query
// by), then the records the reducer says the event adds or replaces, into the query tables
// (tickets, notes, recommendations, handoffs). Called inside the commit's SQL transaction, so a
// table never holds a record without its event, nor misses one. Records go over as one JSON
// array per table and are spread into columns by PostgreSQL (one round trip per table).

export async function insertEvent(client: pg.ClientBase, event: AuditEvent, line: string): Promise<void> {
  await client.query(
    `INSERT INTO audit_events
       (seq, id, occurred_at, action, ticket_id, actor, channel, recommendation_id, prev_hash, hash, line)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      event.seq,
      event.id,
      event.timestamp,
      event.action,
      event.ticketId,
      event.actor,
      event.channel?.type ?? null,
      event.recommendationId ?? null,
      event.prevHash,
      event.hash,
      line,
    ],
  );
}

/** Rows per statement for large writes (an import, the seed): keeps each parameter moderate. */
const CHUNK = 5_000;

/** Many events at once (a runtime copied in): one statement per chunk, rows as arrays. */
export async function insertEvents(
  client: pg.ClientBase,
  rows: readonly { readonly event: AuditEvent; readonly line: string }[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK);
    const column = <T>(pick: (r: { event: AuditEvent; line: string }) => T): T[] => part.map(pick);
    await client.query(
      `INSERT INTO audit_events
         (seq, id, occurred_at, action, ticket_id, actor, channel, recommendation_id, prev_hash, hash, line)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[],
                            $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])`,
      [
        column((r) => r.event.seq),
        column((r) => r.event.id),
        column((r) => r.event.timestamp),
        column((r) => r.event.action),
        column((r) => r.event.ticketId),
        column((r) => r.event.actor),
        column((r) => r.event.channel?.type ?? null),
        column((r) => r.event.recommendationId ?? null),
        column((r) => r.event.prevHash),
        column((r) => r.event.hash),
        column((r) => r.line),
      ],
    );
  }
}

const UPSERT_TICKETS = `
INSERT INTO tickets (id, subject, status, category, priority, team, assignee, customer_name, customer_plan,
                     customer_vip, created_at, updated_at, sla_due_at, sla_breached, revision, external_id, body)
SELECT t->>'id', t->>'subject', t->>'status', t->>'category', t->>'priority', t->>'team', t->>'assignee',
       t->'customer'->>'name', t->'customer'->>'plan', (t->'customer'->>'vip')::boolean,
       (t->>'createdAt')::timestamptz, (t->>'updatedAt')::timestamptz,
       (t->'sla'->>'responseDueAt')::timestamptz, (t->'sla'->>'breached')::boolean,
       (t->>'revision')::integer, t->>'externalId', t
  FROM jsonb_array_elements($1::jsonb) AS t
ON CONFLICT (id) DO UPDATE SET
  subject = EXCLUDED.subject, status = EXCLUDED.status, category = EXCLUDED.category,
  priority = EXCLUDED.priority, team = EXCLUDED.team, assignee = EXCLUDED.assignee,
  customer_name = EXCLUDED.customer_name, customer_plan = EXCLUDED.customer_plan,
  customer_vip = EXCLUDED.customer_vip, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at,
  sla_due_at = EXCLUDED.sla_due_at, sla_breached = EXCLUDED.sla_breached, revision = EXCLUDED.revision,
  external_id = EXCLUDED.external_id, body = EXCLUDED.body`;

// Notes only ever get added (the reducer appends), so existing rows are kept as they are.
const INSERT_NOTES = `
INSERT INTO notes (ticket_id, id, author, created_at, body)
SELECT t->>'id', n->>'id', n->>'author', (n->>'createdAt')::timestamptz, n->>'body'
  FROM jsonb_array_elements($1::jsonb) AS t, jsonb_array_elements(t->'notes') AS n
ON CONFLICT (ticket_id, id) DO NOTHING`;

const UPSERT_RECOMMENDATIONS = `
INSERT INTO recommendations (id, ticket_id, resolution, actor, category, priority, team, confidence,
                             escalation_required, required_team, created_at, resolved_at, resolved_by,
                             approved_fields, feedback, body)
SELECT r->>'id', r->>'ticketId', r->>'resolution', r->>'actor', r->>'category', r->>'priority', r->>'team',
       (r->>'confidence')::double precision, (r->>'escalationRequired')::boolean, r->>'requiredTeam',
       (r->>'createdAt')::timestamptz, (r->>'resolvedAt')::timestamptz, r->>'resolvedBy',
       CASE WHEN r ? 'approvedFields' THEN ARRAY(SELECT jsonb_array_elements_text(r->'approvedFields')) END,
       r->>'feedback', r
  FROM jsonb_array_elements($1::jsonb) AS r
ON CONFLICT (id) DO UPDATE SET
  resolution = EXCLUDED.resolution, resolved_at = EXCLUDED.resolved_at, resolved_by = EXCLUDED.resolved_by,
  approved_fields = EXCLUDED.approved_fields, feedback = EXCLUDED.feedback, body = EXCLUDED.body`;

const UPSERT_HANDOFFS = `
INSERT INTO handoffs (id, ticket_id, recommendation_id, team, kind, channel, status, attempts, created_at,
                      created_by_seq, next_attempt_at, body)
SELECT h->>'id', h->>'ticketId', h->>'recommendationId', h->>'team', h->>'kind', h->>'channel', h->>'status',
       jsonb_array_length(h->'attempts'), (h->>'createdAt')::timestamptz, (h->>'createdBySeq')::bigint,
       (h->>'nextAttemptAt')::timestamptz, h
  FROM jsonb_array_elements($1::jsonb) AS h
ON CONFLICT (id) DO UPDATE SET
  status = EXCLUDED.status, attempts = EXCLUDED.attempts, next_attempt_at = EXCLUDED.next_attempt_at,
  body = EXCLUDED.body`;

/** Writes tickets (new or replaced) and their notes. */
export async function upsertTickets(client: pg.ClientBase, tickets: readonly Ticket[]): Promise<void> {
  for (let i = 0; i < tickets.length; i += CHUNK) {
    const part = tickets.slice(i, i + CHUNK);
    const json = JSON.stringify(part);
    await client.query(UPSERT_TICKETS, [json]);
    if (part.some((t) => (t.notes?.length ?? 0) > 0)) await client.query(INSERT_NOTES, [json]);
  }
}

export async function upsertRecommendations(
  client: pg.ClientBase,
  recs: readonly Recommendation[],
): Promise<void> {
  if (recs.length > 0) await client.query(UPSERT_RECOMMENDATIONS, [JSON.stringify(recs)]);
}

export async function upsertHandoffs(
  client: pg.ClientBase,
  handoffs: readonly HandoffState[],
): Promise<void> {
  if (handoffs.length > 0) await client.query(UPSERT_HANDOFFS, [JSON.stringify(handoffs)]);
}

/** Writes what an event changes into the query tables (tickets before their recommendations and handoffs). */
export async function writeEffects(client: pg.ClientBase, effects: readonly Effect[]): Promise<void> {
  const tickets: Ticket[] = [];
  const recs: Recommendation[] = [];
  const handoffs: HandoffState[] = [];
  for (const effect of effects) {
    switch (effect.kind) {
      case "ticket-added":
      case "ticket-replaced":
        tickets.push(effect.ticket);
        break;
      case "tickets-imported":
        for (const ticket of effect.tickets) tickets.push(ticket);
        break;
      case "recommendation-added":
      case "recommendation-replaced":
        recs.push(effect.recommendation);
        break;
      case "handoff-added":
      case "handoff-replaced":
        handoffs.push(effect.handoff);
        break;
    }
  }
  await upsertTickets(client, tickets);
  await upsertRecommendations(client, recs);
  await upsertHandoffs(client, handoffs);
}
