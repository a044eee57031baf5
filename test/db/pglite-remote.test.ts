import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppDatabase, openDatabase } from "../../src/db/connect.ts";
import { RemotePGlite } from "../../src/db/pglite-remote.ts";

// PGlite in its own thread must behave as the in-thread PGlite the app's callers were written against:
// errors with PostgreSQL's fields, kysely transactions that commit or roll back and hold the lock,
// LISTEN/NOTIFY, and a data directory that outlives the instance.
describe("PGlite in a thread of its own", () => {
  let scratch: string;
  let database: AppDatabase;
  beforeAll(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), "pglite-remote-"));
    database = await openDatabase({ kind: "pglite", dataDir: path.join(scratch, "data") });
    await sql`create table notes (id int primary key, body text, at timestamptz, data jsonb)`.execute(
      database.db,
    );
  });
  afterAll(async () => {
    await database?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("returns rows with their types and errors with PostgreSQL's code and constraint", async () => {
    const at = new Date("2026-12-03T10:00:00.000Z");
    await sql`insert into notes values (1, 'one', ${at}, ${JSON.stringify({ a: [1, 2] })})`.execute(
      database.db,
    );
    const { rows } = await sql<{ id: number; at: Date; data: unknown }>`select * from notes`.execute(
      database.db,
    );
    expect(rows).toEqual([{ id: 1, body: "one", at, data: { a: [1, 2] } }]);

    const duplicate = sql`insert into notes (id) values (1)`.execute(database.db);
    await expect(duplicate).rejects.toMatchObject({ code: "23505", constraint: "notes_pkey" });
    await expect(duplicate).rejects.toThrow(/duplicate key value/);
  });

  it("commits a transaction, and rolls one back when its callback throws", async () => {
    await database.db.transaction().execute(async (trx) => {
      await sql`insert into notes (id, body) values (2, 'kept')`.execute(trx);
    });
    const failed = database.db.transaction().execute(async (trx) => {
      await sql`insert into notes (id, body) values (3, 'dropped')`.execute(trx);
      throw new Error("changed my mind");
    });
    await expect(failed).rejects.toThrow("changed my mind");
    const { rows } = await sql<{ id: number }>`select id from notes where id in (2, 3) order by id`.execute(
      database.db,
    );
    expect(rows).toEqual([{ id: 2 }]);
  });

  it("holds other statements until an open transaction ends, as PGlite's one session does", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const order: string[] = [];
    const transaction = database.db.transaction().execute(async (trx) => {
      await sql`update notes set body = 'inside' where id = 2`.execute(trx);
      await held;
      order.push("commit");
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const outside = sql<{ body: string }>`select body from notes where id = 2`
      .execute(database.db)
      .then(({ rows }) => {
        order.push(`read ${rows[0]?.body}`);
      });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(order).toEqual([]);
    release();
    await Promise.all([transaction, outside]);
    expect(order).toEqual(["commit", "read inside"]);
  });

  it("delivers NOTIFY to a listener until it stops listening", async () => {
    const pglite = database.pglite as RemotePGlite;
    const heard: string[] = [];
    const unlisten = await pglite.listen("run_events", (payload) => heard.push(payload));
    await pglite.query("select pg_notify('run_events', 'first')");
    await expect.poll(() => heard).toEqual(["first"]);
    await unlisten();
    await pglite.query("select pg_notify('run_events', 'second')");
    await pglite.query("select 1");
    expect(heard).toEqual(["first"]);
  });

  it("runs multi-statement scripts through exec", async () => {
    const pglite = database.pglite as RemotePGlite;
    const results = await pglite.exec("select 1 as a; select 2 as b");
    expect(results.map((r) => r.rows)).toEqual([[{ a: 1 }], [{ b: 2 }]]);
  });

  it("keeps what was written after the thread is closed and the directory opened again", async () => {
    const dataDir = path.join(scratch, "reopen");
    const first = new RemotePGlite(dataDir);
    await first.waitReady;
    await first.query("create table kept (n int)");
    await first.query("insert into kept values ($1)", [42]);
    await first.close();
    expect(first.closed).toBe(true);
    await expect(first.query("select 1")).rejects.toThrow("PGlite is closed");

    const second = new RemotePGlite(dataDir);
    await second.waitReady;
    expect((await second.query<{ n: number }>("select n from kept")).rows).toEqual([{ n: 42 }]);
    await second.close();
  });
});

describe("PGlite's thread, when it fails", () => {
  it("reports a data directory it cannot open, with the app's explanation", async () => {
    const scratch = mkdtempSync(path.join(tmpdir(), "pglite-remote-"));
    try {
      const bad = path.join(scratch, "not-a-directory");
      mkdirSync(bad);
      writeFileSync(path.join(bad, "PG_VERSION"), "9\n");
      await expect(openDatabase({ kind: "pglite", dataDir: bad })).rejects.toThrow(
        /could not open the embedded database in .*not-a-directory/,
      );
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe("PGlite's thread, when it ends unasked", () => {
  it("fails the call in flight and every later one, and says it is lost", async () => {
    const thread = new URL("../fixtures/pglite-thread-that-ends.ts", import.meta.url);
    const remote = new RemotePGlite(undefined, thread);
    await remote.waitReady;
    await expect(remote.query("select 1")).rejects.toThrow(
      "the embedded database's thread ended (exit code 7)",
    );
    expect((await remote.lost).message).toContain("exit code 7");
    await expect(remote.query("select 1")).rejects.toThrow("thread ended");
    expect(remote.closed).toBe(true);
  });

  it("is not lost when it was closed", async () => {
    const remote = new RemotePGlite(undefined);
    await remote.waitReady;
    await remote.close();
    const settled = await Promise.race([
      remote.lost.then(() => "lost"),
      new Promise((r) => setTimeout(() => r("not lost"), 200)),
    ]);
    expect(settled).toBe("not lost");
  });
});
