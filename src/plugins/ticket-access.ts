import type { TaskManagementAdapter } from "./task-management.ts";

/**
 * The tracker whose tickets are triggers (Jira or Linear), as the intake and the run's reporting reach
 * it: its task_management adapter, which reads a ticket and comments on it. The core never names the
 * vendor; src/cli wires the configured one.
 */
export interface TicketAccess {
  /** "jira" or "linear": the source its webhooks record. */
  source: string;
  tasks: Pick<TaskManagementAdapter, "get_task" | "add_comment">;
}
