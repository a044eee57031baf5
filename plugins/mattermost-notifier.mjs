// A communication provider of your own, the worked example of the README ("Your own provider"):
// run notifications go to a Mattermost incoming webhook
// (https://developers.mattermost.com/integrate/webhooks/incoming/), which takes { text, channel }.
// ai-dev.config.yaml points at it with `provider: custom` and `module: ./plugins/mattermost-notifier.mjs`.
import { z } from "zod";

/** Checked by the registry before the factory runs: a wrong setting names its field. */
export const configSchema = z.strictObject({
  webhook_url: z.url(),
  channel: z.string().min(1).optional(),
});

const prefix = { info: "", success: ":white_check_mark: ", warning: ":warning: ", error: ":x: " };

/** The factory: it gets the slot, the checked settings and a logger, and returns the slot's adapter. */
export default function createAdapter({ settings }) {
  return {
    /** communication's one action (src/plugins/communication.ts): its input, and a call context. */
    async notify({ message, level, channel }, ctx) {
      const target = channel ?? settings.channel;
      const response = await fetch(settings.webhook_url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          // A word joiner after every @, so no message can ping @channel or @all.
          text: `${prefix[level]}${message.replaceAll("@", "@\u2060")}`,
          ...(target ? { channel: target } : {}),
        }),
        signal: ctx.signal,
      });
      if (!response.ok) {
        throw new Error(
          `Mattermost answered ${response.status} to the run notification: check plugins.communication.config.webhook_url`,
        );
      }
      return { delivered: true, message_id: null };
    },
  };
}
