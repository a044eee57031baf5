import { webApi } from "@slack/bolt";
import { z } from "zod";
import type { CommunicationAdapter, RunThreadStore } from "../../src/plugins/communication.ts";
import { type VendorCallOptions, type VendorFailure, vendorCall } from "../vendor-call.ts";
import type { SlackConfig } from "./config.ts";
import { escapeSlackText } from "./messages.ts";

export { slackConfigSchema } from "./config.ts";
export { escapeSlackText } from "./messages.ts";

export interface SlackAdapterOptions extends Pick<VendorCallOptions, "sleep" | "maxRetries" | "maxWaitMs"> {
  settings: SlackConfig;
  /** Where each run's thread (its first message's ts) is remembered: the app's database. */
  threads: RunThreadStore;
  /** Slack's Web API base, e.g. a local fake's URL; https://slack.com/api/ by default. */
  slackApiUrl?: string | undefined;
  configFile?: string | undefined;
}

const postedSchema = z.object({ ok: z.literal(true), channel: z.string().optional(), ts: z.string() });

const levelPrefix = {
  info: "",
  success: ":white_check_mark: ",
  warning: ":warning: ",
  error: ":x: ",
} as const;

/**
 * The communication slot on Slack (bolt's Web API client): a run's first message starts a thread in the
 * configured channel, and every later message of the same run replies in it.
 */
export function slackCommunication(options: SlackAdapterOptions): CommunicationAdapter {
  // Retries are ours (bounded, with the injected sleep): the client's own would sleep inside the call.
  const client = new webApi.WebClient(options.settings.connection.bot_token, {
    ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    logLevel: webApi.LogLevel.ERROR,
  });
  const credentials = `connection.bot_token in ${options.configFile ?? "the Slack plugin's configuration"}`;

  return {
    async notify({ message, level, channel }, ctx) {
      const target = channel ?? options.settings.channel;
      const thread = await options.threads.get(ctx.runId, target);
      const text = `${levelPrefix[level]}${escapeSlackText(message)}`;
      const answer = await vendorCall(
        `post to the Slack channel ${target}`,
        () =>
          client.chat.postMessage({
            channel: target,
            text,
            unfurl_links: false,
            ...(thread ? { thread_ts: thread } : {}),
          }),
        { ...options, vendor: "Slack", credentials, classify: slackFailure, signal: ctx.signal },
      );
      const posted = postedSchema.parse(answer);
      if (!thread) await options.threads.remember(ctx.runId, target, posted.ts);
      return { delivered: true, message_id: posted.ts };
    },
  };
}

/** Slack answers 200 with `ok: false` and an error code; the code says which HTTP failure it stands for. */
const platformStatus: Record<string, number> = {
  not_authed: 401,
  invalid_auth: 401,
  account_inactive: 401,
  token_revoked: 401,
  token_expired: 401,
  missing_scope: 403,
  not_in_channel: 403,
  is_archived: 403,
  restricted_action: 403,
  channel_not_found: 404,
  ratelimited: 429,
};

function slackFailure(error: unknown): VendorFailure | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as {
    code?: unknown;
    data?: { error?: unknown };
    retryAfter?: unknown;
    statusCode?: unknown;
  };
  if (e.code === webApi.ErrorCode.RateLimitedError) {
    return { status: 429, retryAfterMs: typeof e.retryAfter === "number" ? e.retryAfter * 1000 : undefined };
  }
  if (e.code === webApi.ErrorCode.PlatformError) {
    const code = String(e.data?.error ?? "unknown_error");
    return { status: platformStatus[code] ?? 400, detail: code };
  }
  if (e.code === webApi.ErrorCode.HTTPError && typeof e.statusCode === "number")
    return { status: e.statusCode };
  return undefined;
}
