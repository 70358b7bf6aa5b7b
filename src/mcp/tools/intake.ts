import { z } from "zod";
import { addTicketNoteInput } from "../../domain/inputs.js";
import { ticketNoteSchema } from "../../domain/schemas.js";
import { similarTicketSchema } from "../../domain/similarity/similar-ticket.js";
import type { WorkspaceOutputs } from "../outputs.js";
import { defineTool, type ToolSchemas } from "../tool.js";

const createTicketOutput = (outputs: WorkspaceOutputs) =>
  z.object({
    ticket: outputs.ticket.describe("The ticket as stored (secret-like values already masked)."),
    maskedSecrets: z
      .array(
        z.object({
          field: z.string().describe("Where the value was, for example description or customer.name."),
          kind: z.string().describe("What it looked like, for example GitHub token."),
        }),
      )
      .describe(
        "Secret-like values replaced by [REDACTED <kind>] in the stored copy. The values themselves are kept nowhere.",
      ),
    possibleDuplicates: z
      .array(similarTicketSchema)
      .describe(
        "Up to 3 existing tickets that look like the same problem, strongest first. Leads, not verdicts.",
      ),
  });

export const createTicket = ({ workspace, inputs, outputs }: ToolSchemas) =>
  defineTool({
    name: "create_ticket",
    title: "Create ticket",
    description:
      `Create a support ticket from a customer's report. The server assigns the next id, status ${workspace.initialStatus}, revision 0 and ` +
      "the SLA response deadline of the customer's plan and VIP flag, and records the client and session it came " +
      "from; triage fields stay empty until a recommendation is approved. Subject and description are untrusted " +
      "text: secret-like values (keys, tokens, passwords) are masked in the stored copy and listed in maskedSecrets. " +
      "possibleDuplicates names up to 3 existing tickets that look like the same problem: check them before triaging. " +
      "Pass an idempotencyKey so that a retry creates one ticket.",
    kind: "write",
    toolset: "intake",
    input: inputs.createTicket,
    output: createTicketOutput(outputs),
    handler: (args, { intake, client, session }) =>
      intake.createTicket(args, { kind: "mcp", ...(client === undefined ? {} : { client }), session }),
  });

export const addTicketNote = ({ outputs }: ToolSchemas) =>
  defineTool({
    name: "add_ticket_note",
    title: "Add internal note",
    description:
      "Append an internal note (author, body) to a ticket's history, for the team. Internal only: it is never sent " +
      "to the customer, changes no triage field and not the revision, and needs no approval. Customer-facing replies " +
      "exist only as an approved customerResponse (submit a recommendation; a human approves it). A body with a " +
      "secret-like value is refused with SECRET_DETECTED and not stored. The note shows in get_ticket and " +
      "ticket://{id} and is audited as note-added.",
    kind: "write",
    toolset: "intake",
    input: addTicketNoteInput,
    output: z.object({
      note: ticketNoteSchema.describe("The note as stored."),
      ticket: outputs.ticket.describe("The ticket with its notes; its revision is unchanged."),
    }),
    handler: (args, { intake }) => intake.addNote(args),
  });
