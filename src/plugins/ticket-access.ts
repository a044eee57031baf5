import type { Task, TaskManagementAdapter } from "./task-management.ts";

/**
 * The tracker whose tickets are triggers (Jira or Linear), as the intake and the run's reporting reach
 * it: its task_management adapter, which reads a ticket and comments on it. The core never names the
 * vendor; src/cli wires the configured one.
 */
export interface TicketAccess {
  /** "jira" or "linear": the source its webhooks record. */
  source: "jira" | "linear";
  tasks: Pick<TaskManagementAdapter, "get_task" | "add_comment">;
  /**
   * The repository a ticket's work goes to, by the tracker's `triggers` (its project's, or the allowed
   * one it names), or why none: the same rule its webhook applies, for a ticket reached another way.
   */
  repositoryOf(task: Task): { repository: string } | { refused: string };
}
