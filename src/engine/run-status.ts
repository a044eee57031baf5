export type RunStatus = "queued" | "running" | "waiting" | "succeeded" | "failed" | "cancelled";
export type StepRunStatus =
  | "running"
  | "succeeded"
  | "failed"
  | "skipped"
  | "rolled_back"
  | "rollback_failed";
export type StepPhase = "main" | "rollback";

export function isFinished(status: RunStatus): boolean {
  return status === "succeeded" || status === "failed" || status === "cancelled";
}
