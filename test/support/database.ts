import { randomUUID } from "node:crypto";
import pg from "pg";
import { type AppDatabase, openDatabase, quoteIdent } from "../../src/db/connect.ts";
import { migrateToLatest } from "../../src/db/migrate.ts";

export interface TestDatabase extends AppDatabase {
  /** The PostgreSQL schema this test owns (undefined on PGlite, where the whole database is the test's). */
  schema: string | undefined;
  /** Drops what the test created and closes the connections. */
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file: on the PostgreSQL server named by DATABASE_URL a schema
 * of its own, so parallel and repeated runs never collide; without DATABASE_URL an in-memory PGlite.
 */
export async function openTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  let app: AppDatabase;
  let schema: string | undefined;
  if (url) {
    schema = `test_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
    await withAdminClient(url, (client) => client.query(`CREATE SCHEMA ${quoteIdent(schema as string)}`));
    app = await openDatabase({ kind: "postgres", url, schema });
  } else {
    app = await openDatabase({ kind: "pglite", dataDir: undefined });
  }
  if (options.migrate !== false) await migrateToLatest(app.db, schema);
  return {
    ...app,
    schema,
    drop: async () => {
      await app.close();
      if (url && schema) {
        const name = schema;
        // The run queue keeps pg-boss's tables in a schema beside the app's (src/queue/run-queue.ts).
        await withAdminClient(url, async (client) => {
          await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(`${name}_pgboss`)} CASCADE`);
          await client.query(`DROP SCHEMA ${quoteIdent(name)} CASCADE`);
        });
      }
    },
  };
}

export function isPostgresUnderTest(): boolean {
  return Boolean(process.env.DATABASE_URL);
}

export async function withAdminClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
