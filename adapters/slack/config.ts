import { z } from "zod";

/** Slack: a bot token for notifications and the signing secret for slash commands. */
export const slackConfigSchema = z.strictObject({
  connection: z.strictObject({
    bot_token: z.string().startsWith("xoxb-", "a bot token starts with xoxb-"),
    signing_secret: z.string().min(1),
  }),
  channel: z.string().min(1).describe("Where run notifications go, e.g. #ai-dev or a channel id."),
});
export type SlackConfig = z.infer<typeof slackConfigSchema>;
