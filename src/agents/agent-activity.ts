import type { Kysely } from "kysely";
import { z } from "zod";
import { formatUsd } from "../budget/money.ts";
import type { Database } from "../db/schema.ts";
import { renderToolActivity, summarizeToolEvents, type ToolActivity } from "./tools/tool-activity.ts";
import { toolEventSchema } from "./tools/tool-events.ts";

const checkpointState = z.object({
  costUsd: z.number().optional(),
  bookkeeping: z
    .object({ events: z.array(toolEventSchema) })
    .partial()
    .optional(),
});

export interface AgentStepActivity {
  stepKey: string;
  turn: number;
  costUsd: number | undefined;
  activity: ToolActivity;
}

/**
 * What the run's agents have done so far, read from their checkpoints (files read and changed, commands
 * with their exit codes, turns and cost), one entry per agent step in the order they last worked: it
 * shows a long agent step's work as it goes, also after it resumed on another worker.
 */
export async function readAgentActivity(db: Kysely<Database>, runId: string): Promise<AgentStepActivity[]> {
  const rows = await db
    .selectFrom("agent_checkpoints")
    .select(["step_key", "turn", "state"])
    .where("run_id", "=", runId)
    .orderBy("updated_at")
    .execute();
  const steps: AgentStepActivity[] = [];
  for (const row of rows) {
    const state = checkpointState.safeParse(row.state);
    if (!state.success) continue;
    steps.push({
      stepKey: row.step_key,
      turn: row.turn,
      costUsd: state.data.costUsd,
      activity: summarizeToolEvents(state.data.bookkeeping?.events ?? []),
    });
  }
  return steps;
}

/** The agents' activity as lines for the progress comment. */
export async function agentActivityLines(db: Kysely<Database>, runId: string): Promise<string[]> {
  const lines: string[] = [];
  for (const step of await readAgentActivity(db, runId)) {
    const cost = step.costUsd ? ` · ${formatUsd(step.costUsd)}` : "";
    lines.push(`**\`${step.stepKey}\`**: ${step.turn} ${step.turn === 1 ? "turn" : "turns"}${cost}`);
    lines.push(...renderToolActivity(step.activity));
  }
  return lines;
}
