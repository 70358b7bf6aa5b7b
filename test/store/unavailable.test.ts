import { afterAll, describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import { openPostgresStore } from "../../src/store/index.js";
import { POSTGRES_SKIP, sql } from "../support/postgres.js";
import { POSTGRES_BACKEND } from "./fixtures/backends.js";
import { submitBody } from "./fixtures/drafts.js";
import { cleanupTempDirs, memoryLogger, tempDir } from "./fixtures/helpers.js";
import { makeTickets } from "./fixtures/tickets.js";

afterAll(cleanupTempDirs);

// A database that goes away and comes back: every call in between is STORE_UNAVAILABLE with
// nothing committed, and the pool reconnects on its own for the next call.

describe.skipIf(POSTGRES_SKIP !== undefined)(
  `a database that drops its connections${POSTGRES_SKIP === undefined ? "" : ` [${POSTGRES_SKIP}]`}`,
  () => {
    it("a dropped connection fails the call with nothing committed; the next call works", async () => {
      const place = await POSTGRES_BACKEND.place("drop");
      const store = await POSTGRES_BACKEND.open(place);
      await store.transact(submitBody("TKT-1"));
      const before = store.view().lastSeq;
      // What a database restart does to every open connection (the admin's own is spared).
      const killed = await sql<{ n: string }>(
        place,
        `SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      expect(Number(killed[0]?.n)).toBeGreaterThan(0);
      let committed = false;
      for (let attempt = 0; attempt < 3 && !committed; attempt++) {
        try {
          await store.transact(submitBody("TKT-2"));
          committed = true;
        } catch (error) {
          // A call that met a dead connection says so and commits nothing.
          expect(error).toBeInstanceOf(DomainError);
          expect((error as DomainError).code).toBe("STORE_UNAVAILABLE");
          expect((error as Error).message).toMatch(/PostgreSQL database .*127\.0\.0\.1:\d+\//);
          await store.refresh().catch(() => undefined);
          expect(store.view().lastSeq).toBe(before);
        }
      }
      expect(committed).toBe(true);
      expect(store.view().lastSeq).toBe(before + 1);
      expect(await POSTGRES_BACKEND.verify(place)).toMatchObject({ ok: true, events: before + 2 });
      await store.close();
    });

    it("a server whose database is unreachable refuses to open, naming host and port", async () => {
      const error = await openPostgresStore({
        url: "postgres://triage:s3cret-pw@127.0.0.1:1/triage",
        dataRoot: tempDir("pg-root"),
        seed: () => makeTickets(2),
        logger: memoryLogger(),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe("STORE_UNAVAILABLE");
      expect((error as Error).message).toMatch(
        /The PostgreSQL database triage@127\.0\.0\.1:1\/triage cannot be opened \(ECONNREFUSED/,
      );
      expect((error as Error).message).not.toContain("s3cret-pw");
    });
  },
);
