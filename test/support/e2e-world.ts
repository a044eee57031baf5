import { createScratchDatabase } from "../../bench/support/bench-world.ts";
import { type SampleWorld, startSampleWorld } from "../../demo/sample-world.ts";
import { waitFor } from "../../demo/wait-for.ts";

type WorldOptions = NonNullable<Parameters<typeof startSampleWorld>[0]>;

/**
 * The demo's world (the real app process and its stand-ins) on the database under test: with
 * DATABASE_URL set, a scratch PostgreSQL database of its own, dropped when the world stops; the app's
 * embedded PGlite in the world's temporary directory otherwise.
 */
export async function startE2eWorld(options: Omit<WorldOptions, "databaseUrl"> = {}): Promise<SampleWorld> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) return await startSampleWorld(options);
  const database = await createScratchDatabase(serverUrl);
  try {
    const world = await startSampleWorld({ ...options, databaseUrl: database.url });
    const stop = world.stop;
    world.stop = async () => {
      await stop();
      await database.drop();
    };
    return world;
  } catch (error) {
    await database.drop();
    throw error;
  }
}

/** The runs the app lists, newest first (its API's shape: src/ops/list-runs.ts). */
export interface ListedRun {
  id: string;
  target: { kind: string; number: number } | null;
  pullRequest: number | null;
  workflow: string;
  state: string;
  costUsdMicros: number;
  error: string | null;
}

/** The run of issue or pull request `number` once it has ended, read through the app's API. */
export async function endedRun(world: SampleWorld, number: number, deadlineMs = 120_000): Promise<ListedRun> {
  return await waitFor(
    async () => {
      const { runs } = await world.api<{ runs: ListedRun[] }>("/runs?limit=50");
      const run = runs.find((r) => r.target?.number === number);
      return run && hasEnded(run) ? run : undefined;
    },
    deadlineMs,
    `the run of #${number} to end`,
    // The API allows 120 requests a minute (security.api_rate_limit): twice a second stays under it.
    500,
  );
}

const hasEnded = (run: ListedRun) => ["succeeded", "failed", "cancelled"].includes(run.state);

/** The runs of issue or pull request `number`, oldest first, once `count` of them exist and all have ended. */
export async function endedRuns(
  world: SampleWorld,
  number: number,
  count: number,
  deadlineMs = 120_000,
): Promise<ListedRun[]> {
  return await waitFor(
    async () => {
      const { runs } = await world.api<{ runs: ListedRun[] }>("/runs?limit=50");
      const mine = runs.filter((r) => r.target?.number === number).reverse();
      return mine.length >= count && mine.every(hasEnded) ? mine : undefined;
    },
    deadlineMs,
    `${count} runs of #${number} to end`,
    500,
  );
}
