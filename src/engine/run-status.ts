export type RunStatus = "queued" | "running" | "waiting" | "succeeded" | "failed" | "cancelled";
export type StepRunStatus =
  | "running"
  | "succeeded"
  | "failed"
  | "skipped"
  | "rolled_back"
  | "rollback_failed"
  /** Stopped mid-way by /cancel. */
  | "cancelled";
export type StepPhase = "main" | "rollback";

export function isFinished(status: RunStatus): boolean {
  return status === "succeeded" || status === "failed" || status === "cancelled";
}
