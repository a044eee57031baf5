import type { Kysely } from "kysely";
import type { Database } from "../../src/db/schema.ts";
import { finishRun, finishStepRun, insertRun, startStepRun } from "../../src/engine/run-store.ts";

export const implementRunId = "0b6c2d4e-1111-4a5b-8c9d-000000000001";
export const planRunId = "0b6c2d4e-2222-4a5b-8c9d-000000000002";

/**
 * Two runs as the intake and the engine leave them: an issue implemented into a pull request, then a
 * /plan on that pull request whose step failed with text from outside (a terminal escape in it).
 */
export async function seedRuns(db: Kysely<Database>): Promise<void> {
  const day = "2026-11-27T";
  await seedRun(db, {
    id: implementRunId,
    workflow: "implement-issue",
    event: "issues.labeled",
    target: { kind: "issue", number: 7 },
    pullRequest: 12,
    createdAt: new Date(`${day}10:00:00Z`),
    steps: [
      { name: "plan", kind: "ai_action", costUsdMicros: 1_000_000, error: null },
      { name: "implement", kind: "agent", costUsdMicros: 234_567, error: null },
    ],
    finish: { status: "succeeded" },
  });
  await seedRun(db, {
    id: planRunId,
    workflow: "plan-issue",
    event: "issue_comment.created",
    target: { kind: "pull_request", number: 12 },
    pullRequest: null,
    createdAt: new Date(`${day}11:00:00Z`),
    steps: [
      { name: "draft-plan", kind: "ai_action", costUsdMicros: 5_000, error: "model said \u001b[31mno" },
    ],
    finish: { status: "failed", error: { code: "step_failed", message: "step draft-plan failed" } },
  });
}

interface SeededRun {
  id: string;
  workflow: string;
  event: string;
  target: { kind: "issue" | "pull_request"; number: number };
  pullRequest: number | null;
  createdAt: Date;
  steps: { name: string; kind: string; costUsdMicros: number; error: string | null }[];
  finish: { status: "succeeded" | "failed"; error?: { code: string; message: string } };
}

async function seedRun(db: Kysely<Database>, run: SeededRun): Promise<void> {
  const request = { trigger: { source: "github", event: run.event } };
  await insertRun(db, {
    id: run.id,
    workflow: run.workflow,
    inputs: {},
    context: { request },
    now: run.createdAt,
  });
  await db
    .updateTable("runs")
    .set({
      source: "github",
      repository: "Codertocat/Hello-World",
      installation_id: 42,
      target_kind: run.target.kind,
      target_number: run.target.number,
      actor: "Codertocat",
      pull_request_number: run.pullRequest,
      started_at: run.createdAt,
    })
    .where("id", "=", run.id)
    .execute();
  // Each step starts a second after the last one finished and takes 2.5 s.
  const at = (seconds: number) => new Date(run.createdAt.getTime() + seconds * 1000);
  let clock = 0;
  // Never leased, so its epoch is the initial 0.
  const fence = { runId: run.id, epoch: 0 };
  for (const [position, step] of run.steps.entries()) {
    clock += 1;
    const started = at(clock);
    await startStepRun(db, fence, {
      runId: run.id,
      stepName: step.name,
      phase: "main",
      position,
      kind: step.kind,
      idempotencyKey: `${run.id}:${step.name}`,
      inputs: {},
      now: started,
    });
    await finishStepRun(db, fence, {
      runId: run.id,
      stepName: step.name,
      phase: "main",
      status: step.error ? "failed" : "succeeded",
      outputs: {},
      error: step.error,
      costUsdMicros: step.costUsdMicros,
      now: at(clock + 2.5),
    });
    clock += 2.5;
  }
  await finishRun(db, fence, { ...run.finish, now: at(clock + 1) });
}
