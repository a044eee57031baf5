import type { MessageParam } from "@anthropic-ai/sdk/resources/messages/messages";
import type { Kysely } from "kysely";
import { z } from "zod";
import type { Database } from "../db/schema.ts";
import { type Fence, fenced, jsonParam } from "../engine/run-store.ts";

/** Where an agent step stands after a finished turn: enough to go on from there on any worker. */
export interface AgentCheckpoint {
  /** Model calls made so far; the next call is turn + 1. */
  turn: number;
  /** The conversation as sent to the model, tool results included. */
  messages: MessageParam[];
  /** The worktree's changes against baseCommit (`git diff --binary`, untracked files included). */
  diff: string;
  baseCommit: string | null;
  /** The agent's own bookkeeping (files read and changed, commands run, cost so far). */
  state: Record<string, unknown>;
}

export interface CheckpointStore {
  load(): Promise<AgentCheckpoint | undefined>;
  save(checkpoint: AgentCheckpoint): Promise<void>;
}

const storedMessages = z.array(z.object({ role: z.enum(["user", "assistant"]), content: z.unknown() }));

/**
 * Checkpoints of one agent step in the app's database, one row per run and step, overwritten each turn.
 * With the run's lease epoch, a save is fenced like every other write of the run: a worker whose run was
 * taken over cannot overwrite the new owner's checkpoint.
 */
export function databaseCheckpoints(
  db: Kysely<Database>,
  key: { runId: string; stepKey: string; leaseEpoch?: number | undefined },
  clock: () => Date = () => new Date(),
): CheckpointStore {
  return {
    async load() {
      const row = await db
        .selectFrom("agent_checkpoints")
        .selectAll()
        .where("run_id", "=", key.runId)
        .where("step_key", "=", key.stepKey)
        .executeTakeFirst();
      if (!row) return undefined;
      // A checkpoint that does not parse is not resumed from: starting the step over is safe, guessing is not.
      const messages = storedMessages.safeParse(row.messages);
      if (!messages.success) return undefined;
      return {
        turn: row.turn,
        messages: messages.data as MessageParam[],
        diff: row.diff,
        baseCommit: row.base_commit,
        state: (row.state ?? {}) as Record<string, unknown>,
      };
    },
    async save(checkpoint) {
      const values = {
        turn: checkpoint.turn,
        messages: jsonParam(checkpoint.messages),
        diff: checkpoint.diff,
        base_commit: checkpoint.baseCommit,
        state: jsonParam(checkpoint.state),
        updated_at: clock(),
      };
      const upsert = (tx: Kysely<Database>) =>
        tx
          .insertInto("agent_checkpoints")
          .values({ run_id: key.runId, step_key: key.stepKey, ...values })
          .onConflict((oc) => oc.columns(["run_id", "step_key"]).doUpdateSet(values))
          .execute();
      if (key.leaseEpoch === undefined) await upsert(db);
      else await fenced(db, { runId: key.runId, epoch: key.leaseEpoch } satisfies Fence, upsert);
    },
  };
}
