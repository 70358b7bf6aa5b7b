import { describe, expect, it } from "vitest";
import { POSTGRES_SKIP, freshSchemaUrl } from "../support/postgres.js";
import { createTicket, harnessesFor } from "../support/harness.js";

// Two servers on one database, as two people's clients would run them. The second server does
// not LISTEN, so only the catch-up at the request boundary (the tool runtime, the resource
// handlers) can show it what the first one committed.

const start = harnessesFor();

describe.skipIf(POSTGRES_SKIP !== undefined)(
  `two servers on one database${POSTGRES_SKIP === undefined ? "" : ` [${POSTGRES_SKIP}]`}`,
  () => {
    it("a tool call and a resource read on one server see what the other committed just before", async () => {
      const databaseUrl = await freshSchemaUrl("servers");
      const a = await start({ databaseUrl });
      const b = await start({ databaseUrl, listen: false });
      const before = await b.call("list_tickets", {});
      expect(before.structured?.total).toBe(6);

      const id = await createTicket(a);
      // b has not read anything since: its next tool call catches up first.
      const read = await b.call("get_ticket", { id });
      expect(read.ok, read.text).toBe(true);
      expect(read.structured?.ticket).toMatchObject({ id });

      const note = await a.call("add_ticket_note", {
        ticketId: id,
        author: "maria.chen",
        body: "Called the customer back.",
      });
      expect(note.ok, note.text).toBe(true);
      const resource = await b.client.readResource({ uri: `ticket://${id}` });
      const shown = JSON.parse((resource.contents[0] as { text: string }).text) as {
        notes?: { body: string }[];
      };
      expect(shown.notes?.map((n) => n.body)).toEqual(["Called the customer back."]);

      const listed = await b.client.listResources();
      expect(listed.resources.map((r) => r.uri)).toContain(`ticket://${id}`);
      // And the other way round: a write on b is checked against caught-up state (seq, revision).
      const second = await createTicket(b);
      expect(Number(second.split("-")[1])).toBe(Number(id.split("-")[1]) + 1);
    });
  },
);
