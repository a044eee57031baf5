import type { Kysely } from "kysely";
import { z } from "zod";
import { formatUsd } from "../budget/money.ts";
import type { Database } from "../db/schema.ts";
import { renderToolActivity, summarizeToolEvents } from "./tools/tool-activity.ts";
import { toolEventSchema } from "./tools/tool-events.ts";

const checkpointState = z.object({
  costUsd: z.number().optional(),
  bookkeeping: z
    .object({ events: z.array(toolEventSchema) })
    .partial()
    .optional(),
});

/**
 * What the run's agents have done so far, read from their checkpoints (files read and changed, commands
 * with their exit codes, turns and cost): lines for the progress comment, so a long agent step shows
 * its work as it goes, also after it resumed on another worker.
 */
export async function agentActivityLines(db: Kysely<Database>, runId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("agent_checkpoints")
    .select(["step_key", "turn", "state"])
    .where("run_id", "=", runId)
    .orderBy("updated_at")
    .execute();
  const lines: string[] = [];
  for (const row of rows) {
    const state = checkpointState.safeParse(row.state);
    if (!state.success) continue;
    const cost = state.data.costUsd ? ` · ${formatUsd(state.data.costUsd)}` : "";
    lines.push(`**\`${row.step_key}\`**: ${row.turn} ${row.turn === 1 ? "turn" : "turns"}${cost}`);
    lines.push(...renderToolActivity(summarizeToolEvents(state.data.bookkeeping?.events ?? [])));
  }
  return lines;
}
