import { escapeSlackText } from "../../adapters/slack/messages.ts";
import { formatUsd, microsToUsd } from "../../src/budget/money.ts";
import type { RunSummary } from "../../src/ops/list-runs.ts";

/** How many active runs one answer lists: a chat message, not a report (`npx ai-dev runs` has all). */
export const runsShown = 20;

export function usageText(command: string, problem?: string): string {
  const why = problem ? `${escapeSlackText(problem)}. ` : "";
  return (
    `${why}Usage: \`${command} status\` lists the active runs; ` +
    `\`${command} implement owner/repo#12\` starts work on that issue, as its label would.`
  );
}

export function unmappedText(appName: string, userId: string): string {
  return (
    `Your Slack user (${escapeSlackText(userId)}) is not mapped to a GitHub login, so ${escapeSlackText(appName)} cannot ask GitHub what you may do. ` +
    "Ask the operator to add you under plugins.communication.config.slash_commands.users in ai-dev.config.yaml."
  );
}

/** The active runs, one line each; `runs` may hold one more than is shown, to say there are more. */
export function activeRunsText(runs: readonly RunSummary[]): string {
  if (runs.length === 0) return "No run is active.";
  const lines = runs.slice(0, runsShown).map((run) => {
    const target = run.target
      ? `${run.repository ?? "?"}#${run.target.number}`
      : (run.repository ?? "no target");
    const pull = run.pullRequest ? `, PR #${run.pullRequest}` : "";
    return `• \`${run.id}\` ${run.workflow} on ${target}: ${run.state}${pull}, ${formatUsd(microsToUsd(run.costUsdMicros))}`;
  });
  const more = runs.length > runsShown ? `\n…and more: \`npx ai-dev runs\` lists them all.` : "";
  return escapeSlackText(`Active runs:\n${lines.join("\n")}${more}`);
}
