import type { ChatReplies } from "../../src/plugins/communication.ts";
import { escapeSlackText } from "./messages.ts";

/**
 * Later answers to a slash command, posted to the command's response_url as an ephemeral message (only
 * the person who asked sees it). Slack accepts five posts within 30 minutes of the command
 * (https://docs.slack.dev/interactivity/handling-user-interaction#message_responses).
 */
export function slackChatReplies(options: { fetch?: typeof fetch } = {}): ChatReplies {
  const send = options.fetch ?? fetch;
  return {
    async reply(address, text) {
      const response = await send(address, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          response_type: "ephemeral",
          replace_original: false,
          text: escapeSlackText(text),
        }),
        signal: AbortSignal.timeout(10_000),
      });
      // Slack answers "ok", or a short error code such as expired_url or used_url.
      const said = (await response.text()).slice(0, 100);
      if (!response.ok)
        throw new Error(`Slack refused the answer at the command's response_url: ${response.status} ${said}`);
    },
  };
}
