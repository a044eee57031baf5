import { type Kysely, sql } from "kysely";
import { z } from "zod";
import { readAgentActivity } from "../agents/agent-activity.ts";
import type { Database } from "../db/schema.ts";
import { redactForStorage } from "../engine/redact.ts";
import { listStepRuns } from "../engine/run-store.ts";
import { getRunDetail, runSummarySchema, stepSummarySchema } from "./list-runs.ts";

/**
 * What the dashboard shows of one run, live: its summary and steps, the issue and pull request it is
 * about, and what its agents did (commands with their exit codes, files changed). Every text in it may
 * come from outside (an issue, a model, a command line): it is shown as text, never as markup.
 */
export const agentActivitySchema = z.object({
  step: z.string(),
  turns: z.int().nonnegative(),
  costUsd: z.number().nullable(),
  commands: z.array(z.object({ command: z.string(), exitCode: z.int().nullable(), timedOut: z.boolean() })),
  filesChanged: z.array(z.string()),
});

export const runViewSchema = z.object({
  run: runSummarySchema,
  /** Each step with what it was given and gave back, as stored: secrets scrubbed before the write. */
  steps: z.array(stepSummarySchema.extend({ inputs: z.unknown(), outputs: z.unknown() })),
  links: z.object({ issue: z.url().nullable(), pullRequest: z.url().nullable() }),
  agents: z.array(agentActivitySchema),
  /** What the run filed in the tracker (a plan's epics and tasks), in the order they were created. */
  createdTasks: z.array(z.object({ item: z.string(), key: z.string(), url: z.string() })),
});
export type RunView = z.infer<typeof runViewSchema>;

/** The run as the dashboard shows it, secrets scrubbed; undefined when there is no such run. */
export async function readRunView(
  db: Kysely<Database>,
  runId: string,
  secrets: readonly string[],
): Promise<RunView | undefined> {
  const detail = await getRunDetail(db, runId);
  if (!detail) return undefined;
  const row = await db
    .selectFrom("runs")
    .select(sql<string | null>`context -> 'request' -> 'trigger' -> 'target' ->> 'url'`.as("url"))
    .where("id", "=", runId)
    .executeTakeFirst();
  const issue = webUrl(row?.url ?? null);
  const agents = (await readAgentActivity(db, runId)).map((a) => ({
    step: a.stepKey,
    turns: a.turn,
    costUsd: a.costUsd ?? null,
    commands: a.activity.commands,
    filesChanged: a.activity.filesChanged,
  }));
  const stored = new Map((await listStepRuns(db, runId)).map((s) => [`${s.phase}:${s.stepName}`, s]));
  const steps = detail.steps.map((step) => {
    const row = stored.get(`${step.phase}:${step.name}`);
    return { ...step, inputs: row?.inputs ?? null, outputs: row?.outputs ?? null };
  });
  const createdTasks = await db
    .selectFrom("plan_created_tasks")
    .select(["item", "created_key as key", "url"])
    .where("run_id", "=", runId)
    .orderBy("created_at")
    .execute();
  const view = {
    ...detail,
    steps,
    createdTasks,
    links: { issue, pullRequest: pullRequestUrl(issue, detail.run.pullRequest) },
    agents,
  };
  return runViewSchema.parse(redactForStorage(view, secrets));
}

/** Only http(s) addresses become links: a `javascript:` one in a payload must never be clickable. */
function webUrl(value: string | null): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * The pull request's page beside the issue's (`…/owner/repo/issues/7` → `…/owner/repo/pull/12`), so
 * it is right on GitHub Enterprise Server as on github.com.
 */
function pullRequestUrl(issue: string | null, number: number | null): string | null {
  if (!issue || number === null) return null;
  const url = new URL(issue);
  const match = /^(.*\/)(?:issues|pull)\/\d+\/?$/.exec(url.pathname);
  if (!match) return null;
  return new URL(`${match[1]}pull/${number}`, url.origin).href;
}
