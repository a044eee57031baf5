import { slackConfigSchema } from "../../adapters/slack/config.ts";
import type { LoadedConfig } from "../config/load.ts";
import { UserFacingError } from "../errors.ts";

export interface SlackCommandSettings {
  signingSecret: string;
  /** Slack member id → GitHub login. */
  users: Record<string, string>;
}

/**
 * Whether /ai-dev is served (the communication slot is Slack, enabled, with slash_commands), and with
 * what. The endpoint never runs unverified: without a signing secret the app does not start.
 */
export function slackCommandSettings(loaded: LoadedConfig): SlackCommandSettings | undefined {
  const slot = loaded.plugins.communication;
  if (!slot.enabled || slot.provider !== "slack") return undefined;
  const settings = slackConfigSchema.parse(slot.settings);
  if (!settings.slash_commands?.enabled) return undefined;
  const signingSecret = settings.connection.signing_secret;
  if (!signingSecret) {
    throw new UserFacingError(
      "slack_signing_secret_missing",
      `plugins.communication.config.slash_commands is on, but connection.signing_secret is not set in ${loaded.file ?? "ai-dev.config.yaml"}: set it to the Slack app's Signing Secret (Basic Information), e.g. "\${SLACK_SIGNING_SECRET}", or turn slash_commands off`,
    );
  }
  return { signingSecret, users: settings.slash_commands.users };
}
