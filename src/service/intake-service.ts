import { randomUUID } from "node:crypto";
import { DomainError } from "../domain/errors.js";
import { TICKET_ID_PATTERN } from "../domain/ids.js";
import type { AddTicketNoteInput, CreateTicketInput } from "../domain/inputs.js";
import type { AuditEventOf } from "../domain/audit-events.js";
import type { Ticket, TicketNote } from "../domain/schemas.js";
import { maskSecrets, type SecretKind } from "../domain/secrets/index.js";
import { slaDeadline } from "../domain/policy/index.js";
import { planOf, type Workspace } from "../domain/workspace/index.js";
import type { Logger } from "../logging.js";
import type { StoreView, TriageStore } from "../store/index.js";
import { idempotent, withIdempotency } from "./idempotency.js";
import type { SimilarTicket } from "../domain/similarity/similar-ticket.js";
import { refuseSecrets } from "./triage-service.js";

/**
 * Where a new ticket came from, recorded on its `ticket-created` event. `session` identifies one
 * connection: the transport's session id where it has one, otherwise an id the server generated
 * for the connection (stdio has no transport session id: one process serves one client).
 */
export interface TicketSource {
  readonly kind: "mcp" | "cli";
  readonly client?: { readonly name: string; readonly version: string };
  readonly session: string;
}

/** A secret-like value that was replaced by `[REDACTED <kind>]` in the stored copy. */
export interface MaskedSecret {
  readonly field: string;
  readonly kind: SecretKind;
}

export interface CreatedTicket {
  readonly ticket: Ticket;
  readonly maskedSecrets: MaskedSecret[];
  /** Existing tickets that look like the same problem, strongest first (never the new ticket). */
  readonly possibleDuplicates: SimilarTicket[];
}

export interface AddedNote {
  readonly note: TicketNote;
  readonly ticket: Ticket;
}

/** Finds existing tickets like a text; TriageService.similarToText. */
export type DuplicateFinder = (
  text: { readonly subject: string; readonly description: string },
  k: number,
  excludeId?: string,
) => SimilarTicket[];

export interface IntakeDeps {
  readonly store: TriageStore;
  /** The plans (response targets) and the status of a new ticket. */
  readonly workspace: Workspace;
  readonly clock?: () => Date;
  readonly newId?: () => string;
  readonly duplicates?: DuplicateFinder;
  readonly logger?: Logger;
  /** Prefix of the ids given to new tickets (`<prefix>-<number>`). */
  readonly idPrefix?: string;
}

/** How many possible duplicates create_ticket reports. */
export const POSSIBLE_DUPLICATES = 3;

/** Who created a ticket when the call names nobody and the client sent no name. */
const UNKNOWN_CREATOR = "unknown-client";

/**
 * Ticket intake and internal notes over the same store as triage. Neither touches triage fields:
 * a new ticket starts untriaged at revision 0, and a note leaves the revision where it is (notes
 * are not approvals). Every change is one audited event; retries with an idempotencyKey are safe.
 */
export class IntakeService {
  private readonly store: TriageStore;
  private readonly clock: () => Date;
  private readonly newId: () => string;
  private readonly duplicates: DuplicateFinder | undefined;
  private readonly logger: Logger | undefined;
  private readonly idPrefix: string;
  private readonly workspace: Workspace;

  constructor(deps: IntakeDeps) {
    this.store = deps.store;
    this.workspace = deps.workspace;
    this.clock = deps.clock ?? (() => new Date());
    this.newId = deps.newId ?? randomUUID;
    this.duplicates = deps.duplicates;
    this.logger = deps.logger;
    this.idPrefix = deps.idPrefix ?? "TKT";
  }

  /**
   * Creates a ticket: the next id, the workspace's initial status, revision 0, the SLA deadline of
   * the customer's plan and VIP flag. Secret-like values in the text are masked before anything
   * is stored.
   */
  async createTicket(input: CreateTicketInput, source: TicketSource): Promise<CreatedTicket> {
    const { idempotencyKey, actor: namedActor, ...fields } = input;
    const plan = planOf(this.workspace, fields.customer.plan);
    if (plan === undefined) {
      throw new DomainError(
        "INVALID_INPUT",
        `customer.plan: "${fields.customer.plan}" is not a plan of this workspace (${this.workspace.vocabulary.plans.join(", ")}).`,
      );
    }
    if (namedActor !== undefined) refuseSecrets({ actor: namedActor });
    const clientName = source.client?.name.trim().slice(0, 120) ?? "";
    const actor = namedActor?.trim() ?? (clientName === "" ? UNKNOWN_CREATOR : clientName);
    const { value: masked, maskedSecrets } = maskFields(fields);
    // Security: the retry check hashes the masked arguments, so not even a hash of a secret is
    // kept in the audit log.
    const hashed = { ...masked, actor: namedActor };
    const created = await this.store.transact((view) =>
      idempotent(view, idempotencyKey, "ticket-created", hashed, createdResult, () => {
        const id = `${this.idPrefix}-${view.nextTicketNumber(this.idPrefix)}`;
        if (!TICKET_ID_PATTERN.test(id) || view.getTicket(id) !== undefined) {
          return {
            refusal: new DomainError(
              "CONFLICT",
              `Cannot assign a new ticket id after ${this.idPrefix}-${view.nextTicketNumber(this.idPrefix) - 1}: ` +
                `the number range is exhausted. Nothing was stored.`,
            ),
          };
        }
        const now = this.clock();
        const at = now.toISOString();
        const { customer } = masked;
        const ticket: Ticket = {
          id,
          createdAt: at,
          updatedAt: at,
          customer: {
            name: customer.name,
            plan: customer.plan,
            region: customer.region,
            vip: customer.vip,
            ...(customer.email === undefined ? {} : { email: customer.email }),
          },
          subject: masked.subject,
          description: masked.description,
          status: this.workspace.initialStatus,
          tags: masked.tags,
          sla: {
            responseDueAt: slaDeadline(plan, customer.vip, now).toISOString(),
            breached: false,
          },
          relatedTicketIds: [],
          revision: 0,
        };
        return {
          event: {
            timestamp: at,
            action: "ticket-created",
            ticketId: id,
            actor,
            toRevision: 0,
            data: withIdempotency(
              { ticket, source: sourceRecord(source), maskedSecrets },
              idempotencyKey,
              hashed,
            ),
          },
          result: () => ({ ticket, maskedSecrets }),
        };
      }),
    );
    return { ...created, possibleDuplicates: this.possibleDuplicates(created.ticket) };
  }

  /**
   * Appends an internal note. Notes are never sent to the customer and never change triage
   * fields or the revision; a body with a secret-like value is refused and nothing is stored.
   */
  async addNote(input: AddTicketNoteInput): Promise<AddedNote> {
    const { idempotencyKey, ...request } = input;
    refuseSecrets({ author: request.author, body: request.body });
    return this.store.transact((view) =>
      idempotent(
        view,
        idempotencyKey,
        "note-added",
        input,
        (event) => noteResult(view, event),
        () => {
          const ticket = view.getTicket(request.ticketId);
          if (ticket === undefined) return { refusal: notFoundTicket(view, request.ticketId) };
          const at = this.clock().toISOString();
          const note: TicketNote = {
            id: this.newId(),
            author: request.author.trim(),
            body: request.body.trim(),
            createdAt: at,
          };
          return {
            event: {
              timestamp: at,
              action: "note-added",
              ticketId: ticket.id,
              actor: note.author,
              fromRevision: ticket.revision,
              toRevision: ticket.revision,
              data: withIdempotency({ note }, idempotencyKey, input),
            },
            result: () => ({
              note,
              ticket: { ...ticket, notes: [...(ticket.notes ?? []), note], updatedAt: at },
            }),
          };
        },
      ),
    );
  }

  private possibleDuplicates(ticket: Ticket): SimilarTicket[] {
    if (this.duplicates === undefined) return [];
    // The ticket is committed by now: a failing hint must not turn a success into an error the
    // caller would retry (creating the ticket twice without an idempotencyKey).
    try {
      return this.duplicates(ticket, POSSIBLE_DUPLICATES, ticket.id);
    } catch (error) {
      this.logger?.error(
        `possible duplicates of ${ticket.id} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      return [];
    }
  }
}

type TicketFields = Omit<CreateTicketInput, "idempotencyKey" | "actor">;
type MaskedFields = Omit<TicketFields, "tags"> & { tags: string[] };

/** Every free-text field with secret-like values masked, and which were masked (never the values). */
function maskFields(fields: TicketFields): { value: MaskedFields; maskedSecrets: MaskedSecret[] } {
  const maskedSecrets: MaskedSecret[] = [];
  const mask = (field: string, text: string): string => {
    const out = maskSecrets(text);
    for (const f of out.masked) maskedSecrets.push({ field, kind: f.kind });
    return out.text;
  };
  const { customer } = fields;
  const value: MaskedFields = {
    subject: mask("subject", fields.subject.trim()),
    description: mask("description", fields.description.trim()),
    customer: {
      name: mask("customer.name", customer.name.trim()),
      plan: customer.plan,
      region: mask("customer.region", customer.region.trim()),
      vip: customer.vip,
      ...(customer.email === undefined ? {} : { email: mask("customer.email", customer.email) }),
    },
    tags: [...new Set((fields.tags ?? []).map((tag, i) => mask(`tags[${i}]`, tag.trim())))].filter(
      (t) => t !== "",
    ),
  };
  return { value, maskedSecrets };
}

function sourceRecord(source: TicketSource): TicketSource {
  return {
    kind: source.kind,
    ...(source.client === undefined
      ? {}
      : { client: { name: source.client.name.slice(0, 200), version: source.client.version.slice(0, 100) } }),
    session: source.session,
  };
}

function createdResult(event: AuditEventOf<"ticket-created">): {
  ticket: Ticket;
  maskedSecrets: MaskedSecret[];
} {
  return { ticket: event.data.ticket, maskedSecrets: event.data.maskedSecrets };
}

function noteResult(view: StoreView, event: AuditEventOf<"note-added">): AddedNote {
  const { note } = event.data;
  const ticket = event.ticketId === null ? undefined : view.getTicket(event.ticketId);
  if (ticket === undefined) throw notFoundTicket(view, event.ticketId ?? "");
  return { note, ticket };
}

function notFoundTicket(view: StoreView, id: string): DomainError {
  const hint = TICKET_ID_PATTERN.test(id)
    ? `There are ${view.ticketCount()} tickets; use list_tickets to find ids.`
    : "Ticket ids look like TKT-1001.";
  return new DomainError("NOT_FOUND", `No ticket ${id}. ${hint}`);
}
