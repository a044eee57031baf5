import { formatUsd, microsToUsd } from "../budget/money.ts";
import type { RunRecord, StepRunRecord } from "../engine/run-store.ts";

export interface ProgressView {
  appName: string;
  run: Pick<RunRecord, "id" | "workflow" | "status" | "errorMessage" | "costUsdMicros">;
  /** The workflow's steps in order, so steps not yet reached show as open boxes. */
  stepNames: readonly string[];
  stepRuns: readonly Pick<StepRunRecord, "stepName" | "phase" | "status" | "costUsdMicros">[];
  pullRequestUrl?: string | undefined;
  /** Lines from other layers (the cost estimate, a budget notice), shown under the checklist. */
  notes?: readonly string[];
  /** The issue was edited after the trigger: the run keeps the version it was given, and says so. */
  taskChanged?: boolean;
}

/** What the progress comment says once the run's issue was edited after its trigger. */
export const taskChangedNote =
  "Note: the issue changed after it was labeled; the run uses the labeled version.";

const stateWords: Record<string, string> = {
  queued: "queued",
  running: "running",
  waiting: "waiting for approval",
  succeeded: "done",
  failed: "failed",
  cancelled: "cancelled",
};

/**
 * The one comment a run keeps on its issue or PR: created when the run starts and edited in place as
 * steps finish, ending with the pull request or the error in words a person can act on.
 */
export function renderProgressComment(view: ProgressView): string {
  const { run } = view;
  const byStep = new Map(view.stepRuns.filter((s) => s.phase === "main").map((s) => [s.stepName, s]));
  const lines = view.stepNames.map((name) => {
    const step = byStep.get(name);
    const done = step?.status === "succeeded";
    const suffix = !step
      ? ""
      : step.status === "succeeded"
        ? ""
        : ` (${step.status === "skipped" ? "skipped" : step.status})`;
    const cost = step && step.costUsdMicros > 0 ? ` · ${formatUsd(microsToUsd(step.costUsdMicros))}` : "";
    return `- [${done || step?.status === "skipped" ? "x" : " "}] \`${name}\`${suffix}${cost}`;
  });
  const rolledBack = view.stepRuns.filter((s) => s.phase === "rollback").map((s) => `\`${s.stepName}\``);
  const out = [
    `**${view.appName}** · \`${run.workflow}\` · ${stateWords[run.status] ?? run.status} · cost so far ${formatUsd(microsToUsd(run.costUsdMicros))}`,
    "",
    ...lines,
  ];
  if (rolledBack.length > 0) out.push("", `Undone after the failure: ${rolledBack.join(", ")}.`);
  if (view.taskChanged) out.push("", taskChangedNote);
  if (view.notes?.length) out.push("", ...view.notes);
  if (run.status === "succeeded") {
    out.push("", view.pullRequestUrl ? `Pull request: ${view.pullRequestUrl}` : "Finished.");
  } else if (run.status === "failed") {
    out.push("", `**Stopped:** ${run.errorMessage ?? "the run failed"}`);
    if (view.pullRequestUrl) out.push("", `The pull request stays open: ${view.pullRequestUrl}`);
  } else if (run.status === "cancelled") {
    out.push("", "Cancelled on request; nothing more will be done in this run.");
  }
  out.push("", `<sub>run \`${run.id}\` · \`/status\` for details · \`/cancel\` to stop</sub>`);
  return out.join("\n");
}
