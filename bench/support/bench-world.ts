/**
 * Where the process-level benchmarks run. On PostgreSQL the app process gets a database of its own on
 * the server DATABASE_URL names: the app takes a whole database (its tables and pg-boss's), so a fresh
 * one keeps repeated benches and the test suite's schemas apart. Dropped, with its connections, after.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { sampleRepository } from "../../demo/sample/repository.ts";
import { type SampleWorld, startSampleWorld } from "../../demo/sample-world.ts";
import { quoteIdent } from "../../src/db/connect.ts";
import { withAdminClient } from "../../test/support/database.ts";
import { generateRepository } from "./generated-repository.ts";

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

/**
 * The demo's world (the app as a process and its stand-ins) on the generated 10,000-file repository, on
 * one database kind: for PostgreSQL a scratch database of its own. Everything is stopped and dropped after.
 */
export async function withBenchWorld<T>(
  kind: "pglite" | "postgres",
  options: Omit<Parameters<typeof startSampleWorld>[0], "seed" | "databaseUrl">,
  use: (world: SampleWorld) => Promise<T>,
): Promise<T> {
  const database =
    kind === "postgres" ? await createScratchDatabase(process.env.DATABASE_URL ?? "") : undefined;
  try {
    const world = await startSampleWorld({
      ...options,
      seed: (dir, bareName) =>
        generateRepository(path.join(dir, bareName), { extra: sampleRepository.files }),
      ...(database ? { databaseUrl: database.url } : {}),
    });
    try {
      return await use(world);
    } finally {
      await world.stop();
    }
  } finally {
    await database?.drop();
  }
}
