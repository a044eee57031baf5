import { z } from "zod";

/** A Slack member id (U… or, on Enterprise Grid, W…), as a slash command's user_id carries it. */
const slackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, "a Slack member id such as U2147483697");
/** GitHub's rules for a login: letters, digits and single hyphens, at most 39 characters. */
const githubLogin = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/, "a GitHub login such as octocat");

/**
 * Slack: a bot token and a channel for run notifications; with `slash_commands`, also `/ai-dev` at
 * POST /api/slack/commands, verified with the app's signing secret.
 */
export const slackConfigSchema = z
  .strictObject({
    connection: z.strictObject({
      bot_token: z.string().startsWith("xoxb-", "a bot token starts with xoxb-"),
      signing_secret: z
        .string()
        .min(1)
        .optional()
        .describe(
          'The Signing Secret of the Slack app (Basic Information), usually "${SLACK_SIGNING_SECRET}"; needed for slash_commands.',
        ),
    }),
    channel: z.string().min(1).describe("Where run notifications go, e.g. #ai-dev or a channel id."),
    slash_commands: z
      .strictObject({
        enabled: z.boolean().default(true),
        users: z
          .record(slackUserId, githubLogin)
          .default({})
          .describe(
            "Slack member id → GitHub login. Only mapped people may use /ai-dev; implement also needs write access on the repository.",
          ),
      })
      .optional()
      .describe("/ai-dev status and /ai-dev implement owner/repo#12 from Slack."),
  })
  .superRefine((config, ctx) => {
    if (config.slash_commands?.enabled && !config.connection.signing_secret) {
      ctx.addIssue({
        code: "custom",
        path: ["connection", "signing_secret"],
        message:
          "slash_commands needs the Slack app's signing secret (Basic Information → Signing Secret), e.g. signing_secret: ${SLACK_SIGNING_SECRET}; without it no command could be verified",
      });
    }
  });
export type SlackConfig = z.infer<typeof slackConfigSchema>;
