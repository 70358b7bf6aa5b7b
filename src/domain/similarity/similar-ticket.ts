import { z } from "zod";

/**
 * A ticket that looks like the same problem as another one, as the similarity index ranks it.
 * One declaration for every layer: the index returns it, the service passes it on,
 * `find_similar_tickets` and `create_ticket` publish it, and the review packet carries it.
 */
export const similarTicketSchema = z.object({
  ticketId: z.string().describe("The similar ticket."),
  confidence: z.number().min(0).max(1).describe("Cosine similarity of the two tickets' text, 0..1."),
  evidence: z.string().describe("A short sentence naming the shared terms that mattered most."),
  sharedTerms: z.array(z.string()).describe("Shared terms as written in the tickets, strongest first."),
});
export type SimilarTicket = z.infer<typeof similarTicketSchema>;
