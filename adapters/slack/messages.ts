/**
 * The run notifications the workflows send to Slack, as plain text: the notify action escapes it, so a
 * hostile issue title can never ping a channel or forge a link.
 */
export interface NotifyMessage {
  message: string;
  level: "info" | "success" | "warning" | "error";
}

export function pullRequestOpenedMessage(input: {
  task: string;
  title: string;
  url: string;
  costUsd?: number | undefined;
}): NotifyMessage {
  const cost = input.costUsd === undefined ? "" : ` (cost ${dollars(input.costUsd)})`;
  return {
    level: "success",
    message: `Pull request opened for ${input.task}: ${input.title}\n${input.url}${cost}`,
  };
}

export function runFailedMessage(input: {
  task: string;
  runId: string;
  reason: string;
  wayOut?: string | undefined;
}): NotifyMessage {
  const wayOut = input.wayOut ? `\nWhat to do: ${input.wayOut}` : "";
  return { level: "error", message: `Run ${input.runId} for ${input.task} failed: ${input.reason}${wayOut}` };
}

export function budgetReachedMessage(input: {
  task: string;
  runId: string;
  spentUsd: number;
  capUsd: number;
  /** Where the cap is set, e.g. "limits.max_cost_per_task in ai-dev.config.yaml". */
  capSetting: string;
}): NotifyMessage {
  return {
    level: "warning",
    message: `Run ${input.runId} for ${input.task} stopped at its budget: ${dollars(input.spentUsd)} of ${dollars(input.capUsd)}. Raise ${input.capSetting}, or approve more with /approve-budget <dollars>.`,
  };
}

function dollars(amount: number): string {
  return `$${amount.toFixed(2)}`;
}

/** Slack's mrkdwn control characters (https://docs.slack.dev/messaging/formatting-message-text#escaping). */
export function escapeSlackText(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
