import { pathToFileURL } from "node:url";
import type { z } from "zod";
import { UserFacingError } from "../src/errors.ts";
import type { Logger } from "../src/logging/logger.ts";
import { type PluginAdapters, pluginCatalog } from "../src/plugins/catalog.ts";
import type { RunThreadStore } from "../src/plugins/communication.ts";
import { confluenceConfigSchema, confluenceDocumentation } from "./confluence/index.ts";
import { docsConfigSchema, docsDocumentation } from "./docs/index.ts";
import { type GithubAdapterOptions, githubAdapters } from "./github/index.ts";
import { jiraConfigSchema, jiraTaskManagement } from "./jira/index.ts";
import { linearConfigSchema, linearTaskManagement } from "./linear/index.ts";
import { slackCommunication, slackConfigSchema } from "./slack/index.ts";

type Slot = keyof PluginAdapters;

/** One slot as the configuration loader hands it over (`LoadedConfig.plugins[slot]`). */
export interface PluginSelection {
  provider: string;
  enabled: boolean;
  /** The provider's settings, already checked by its schema when the configuration loaded. */
  settings: unknown;
  /** provider: custom: the module's absolute path. */
  module?: string | undefined;
}

/** What a run gives the providers besides their settings. */
export interface RegistryContext {
  plugins: Partial<Record<Slot, PluginSelection>>;
  /** The run's GitHub installation client (and trigger snapshot), for the github provider. */
  github?: GithubAdapterOptions | undefined;
  /** The run's worktree, where the docs provider writes pages. */
  worktree?: string | undefined;
  /** Where a run's thread in a team channel is remembered (the app's database). */
  threads?: RunThreadStore | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  log?: Logger | undefined;
}

/** What a custom provider module's factory receives. */
export interface CustomProviderContext {
  slot: Slot;
  settings: unknown;
  log?: Logger | undefined;
}

type Factory = (settings: unknown, ctx: RegistryContext) => unknown;

/** Built-in providers, by slot and by the name `plugins.<slot>.provider` uses. */
const builtIn: { [S in Slot]: Record<string, Factory> } = {
  task_management: {
    jira: (settings, ctx) =>
      jiraTaskManagement({ settings: parsed(jiraConfigSchema, settings, "jira"), sleep: ctx.sleep }),
    linear: (settings, ctx) =>
      linearTaskManagement({ settings: parsed(linearConfigSchema, settings, "linear"), sleep: ctx.sleep }),
    github: (settings, ctx) => githubAdapters(githubOptions(settings, ctx)).task_management,
  },
  version_control: {
    github: (settings, ctx) => githubAdapters(githubOptions(settings, ctx)).version_control,
  },
  documentation: {
    confluence: (settings, ctx) =>
      confluenceDocumentation({
        settings: parsed(confluenceConfigSchema, settings, "confluence"),
        sleep: ctx.sleep,
      }),
    docs: (settings, ctx) => {
      if (!ctx.worktree) throw missing("docs", "the run's worktree");
      return docsDocumentation({
        settings: parsed(docsConfigSchema, settings ?? {}, "docs"),
        worktree: ctx.worktree,
      });
    },
  },
  communication: {
    slack: (settings, ctx) => {
      if (!ctx.threads) throw missing("slack", "a thread store");
      return slackCommunication({
        settings: parsed(slackConfigSchema, settings, "slack"),
        threads: ctx.threads,
        sleep: ctx.sleep,
      });
    },
  },
};

/** The names each slot knows, for messages and the README. */
export function providerNames(slot: Slot): string[] {
  return [...Object.keys(builtIn[slot]), "custom"];
}

/**
 * The adapters of every enabled slot, each from the provider its configuration names: switching a slot
 * from one tracker to another is a configuration change only. A `custom` provider is a team's own module.
 */
export async function resolvePluginAdapters(ctx: RegistryContext): Promise<Partial<PluginAdapters>> {
  const out: Partial<Record<Slot, unknown>> = {};
  for (const slot of Object.keys(pluginCatalog) as Slot[]) {
    const selection = ctx.plugins[slot];
    if (!selection?.enabled) continue;
    out[slot] = await resolveSlot(slot, selection, ctx);
  }
  return out as Partial<PluginAdapters>;
}

async function resolveSlot(slot: Slot, selection: PluginSelection, ctx: RegistryContext): Promise<unknown> {
  if (selection.provider === "custom") return await loadCustom(slot, selection, ctx);
  const factory = Object.hasOwn(builtIn[slot], selection.provider)
    ? builtIn[slot][selection.provider]
    : undefined;
  if (!factory) {
    throw new UserFacingError(
      "unknown_provider",
      `plugins.${slot}.provider: "${selection.provider}" is not a ${slot} provider; use one of ${providerNames(slot).join(", ")}`,
    );
  }
  return factory(selection.settings, ctx);
}

async function loadCustom(slot: Slot, selection: PluginSelection, ctx: RegistryContext): Promise<unknown> {
  const where = `plugins.${slot}.module (${selection.module ?? "unset"})`;
  if (!selection.module) {
    throw new UserFacingError(
      "custom_provider_invalid",
      `plugins.${slot}: provider custom needs module: ./path/to/provider.js`,
    );
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(selection.module).href)) as Record<string, unknown>;
  } catch (cause) {
    throw new UserFacingError(
      "custom_provider_invalid",
      `${where}: the module could not be loaded; check the path and that it runs`,
      {
        cause,
      },
    );
  }
  const factory = mod.default ?? mod.createAdapter;
  if (typeof factory !== "function") {
    throw new UserFacingError(
      "custom_provider_invalid",
      `${where}: the module exports no factory; export default a function that returns the ${slot} adapter`,
    );
  }
  let settings: unknown = selection.settings ?? {};
  const schema = mod.configSchema as z.ZodType | undefined;
  if (schema && typeof schema.safeParse === "function") {
    const checked = schema.safeParse(settings);
    if (!checked.success) {
      const problems = checked.error.issues
        .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
        .join("; ");
      throw new UserFacingError("custom_provider_invalid", `plugins.${slot}.config: ${problems}`);
    }
    settings = checked.data;
  }
  const adapter = await (factory as (c: CustomProviderContext) => unknown)({ slot, settings, log: ctx.log });
  const actions = Object.keys(pluginCatalog[slot]);
  const lacking =
    typeof adapter === "object" && adapter !== null
      ? actions.filter((a) => typeof (adapter as Record<string, unknown>)[a] !== "function")
      : actions;
  if (lacking.length > 0) {
    throw new UserFacingError(
      "custom_provider_invalid",
      `${where}: the factory's adapter lacks ${lacking.join(", ")}; a ${slot} adapter implements ${actions.join(", ")} (see src/plugins/)`,
    );
  }
  return adapter;
}

function githubOptions(settings: unknown, ctx: RegistryContext): GithubAdapterOptions {
  if (!ctx.github) throw missing("github", "the installation's client");
  return {
    ...ctx.github,
    ...(settings ? { settings: settings as NonNullable<GithubAdapterOptions["settings"]> } : {}),
  };
}

function parsed<T extends z.ZodType>(schema: T, settings: unknown, provider: string): z.infer<T> {
  const result = schema.safeParse(settings);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
  throw new UserFacingError("provider_config_invalid", `the ${provider} plugin's settings: ${problems}`);
}

function missing(provider: string, what: string): Error {
  // A wiring mistake of the app, not of the user's configuration.
  return new Error(`the ${provider} provider needs ${what}; pass it in the registry context`);
}
