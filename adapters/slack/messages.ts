/** Slack's mrkdwn control characters (https://docs.slack.dev/messaging/formatting-message-text#escaping). */
export function escapeSlackText(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
