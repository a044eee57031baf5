import { jiraConfigSchema } from "../../adapters/jira/config.ts";
import { linearConfigSchema } from "../../adapters/linear/config.ts";
import { resolvePluginAdapters } from "../../adapters/registry.ts";
import { ticketRepository } from "../../adapters/tracker-triggers.ts";
import { type JiraTriggerSettings, jiraWebhookEndpoint } from "../../handlers/jira/webhook.ts";
import { type LinearTriggerSettings, linearWebhookEndpoint } from "../../handlers/linear/webhook.ts";
import type { TrackerHandlerDeps } from "../../handlers/tracker-webhook.ts";
import type { LoadedConfig } from "../config/load.ts";
import { UserFacingError } from "../errors.ts";
import type { Logger } from "../logging/logger.ts";
import type { TicketAccess } from "../plugins/ticket-access.ts";

export type TrackerTriggerSettings =
  | { source: "jira"; settings: JiraTriggerSettings }
  | { source: "linear"; settings: LinearTriggerSettings };

/**
 * Whether tickets are triggers (the task_management slot is Jira or Linear, enabled, with `triggers`),
 * and with what. The webhook is never served unverified: without webhook_secret the app does not start.
 */
export function trackerTriggerSettings(loaded: LoadedConfig): TrackerTriggerSettings | undefined {
  const slot = loaded.plugins.task_management;
  if (!slot.enabled || (slot.provider !== "jira" && slot.provider !== "linear")) return undefined;
  const where = loaded.file ?? "ai-dev.config.yaml";
  const missingSecret = (tracker: string, path: string) =>
    new UserFacingError(
      `${tracker.toLowerCase()}_webhook_secret_missing`,
      `the ${tracker} plugin has triggers, but webhook_secret is not set (${where}, plugins.task_management): set it to the secret of the ${tracker} webhook that posts to ${path}, e.g. "\${${tracker.toUpperCase()}_WEBHOOK_SECRET}", or remove triggers`,
    );
  if (slot.provider === "jira") {
    const config = jiraConfigSchema.parse(slot.settings);
    if (!config.triggers?.enabled) return undefined;
    if (!config.webhook_secret) throw missingSecret("Jira", "/api/jira/webhooks");
    return {
      source: "jira",
      settings: {
        secret: config.webhook_secret,
        triggerStatus: config.statuses.trigger,
        triggers: config.triggers,
        repositoryField: config.custom_fields.repo_url,
      },
    };
  }
  const config = linearConfigSchema.parse(slot.settings);
  if (!config.triggers?.enabled) return undefined;
  if (!config.webhook_secret) throw missingSecret("Linear", "/api/linear/webhooks");
  return {
    source: "linear",
    settings: {
      secret: config.webhook_secret,
      triggerStatus: config.statuses.trigger,
      triggers: config.triggers,
    },
  };
}

/** The tracker's adapter, for reading a ticket at its trigger and for the run's comments on it. */
export async function ticketAccess(
  loaded: LoadedConfig,
  trackers: TrackerTriggerSettings,
  log: Logger,
): Promise<TicketAccess> {
  const adapters = await resolvePluginAdapters({
    plugins: { task_management: loaded.plugins.task_management },
    log,
  });
  if (!adapters.task_management) throw new Error("the task_management plugin resolved to no adapter");
  const { triggers } = trackers.settings;
  return {
    source: trackers.source,
    tasks: adapters.task_management,
    repositoryOf: (task) =>
      ticketRepository(triggers, {
        // A key is its project's (Jira) or team's (Linear) key, a dash and a number.
        project: task.project ?? task.key.replace(/-\d+$/, ""),
        named: task.repository,
        description: task.description,
      }),
  };
}

/** POST /api/jira/webhooks or /api/linear/webhooks, for the configured tracker. */
export function trackerWebhookHandler(trackers: TrackerTriggerSettings, deps: TrackerHandlerDeps) {
  return trackers.source === "jira"
    ? jiraWebhookEndpoint(deps, trackers.settings)
    : linearWebhookEndpoint(deps, trackers.settings);
}
