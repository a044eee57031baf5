import type { ThreadRef } from "../plugins/issue-thread.ts";

/** A run and the thread it answers on: what per-run services are built from. */
export interface RunRef extends ThreadRef {
  runId: string;
  /** When the run was created: its month is the budget month it counts against. */
  createdAt: Date;
  /** The task its task budget counts (see budgetTaskKeyOf). */
  taskKey: string;
}
