/**
 * A database of its own on the PostgreSQL server that DATABASE_URL names, for a benchmark that starts
 * the app as a process: the app takes a whole database (its tables and pg-boss's), so a fresh one keeps
 * repeated benches and the test suite's schemas apart. Dropped, with its connections, afterwards.
 */
import { randomUUID } from "node:crypto";
import { quoteIdent } from "../../src/db/connect.ts";
import { withAdminClient } from "../../test/support/database.ts";

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createScratchDatabase(serverUrl: string): Promise<ScratchDatabase> {
  const name = `ai_dev_bench_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await withAdminClient(serverUrl, (client) => client.query(`CREATE DATABASE ${quoteIdent(name)}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await withAdminClient(serverUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
      );
    },
  };
}

/** The databases a process-level benchmark runs on: the embedded one always, PostgreSQL when DATABASE_URL is set. */
export function benchDatabaseKinds(): ("pglite" | "postgres")[] {
  return process.env.DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];
}

/** The figure-name suffix of a database kind: none for the embedded default, `_postgres` for PostgreSQL. */
export function figureSuffix(kind: "pglite" | "postgres"): string {
  return kind === "pglite" ? "" : "_postgres";
}
