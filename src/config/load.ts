import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { z } from "zod";
import { type DeprecationTable, modelVerdict, sdkDeprecationTable } from "../ai/model-deprecations.ts";
import {
  parseYamlSource,
  type SourceIssue,
  SourceValidationError,
  type YamlSource,
} from "../validation/yaml-source.ts";
import { interpolateEnv, referencedEnvValues } from "./interpolate.ts";
import { type AppConfig, appConfigSchema, type PluginSlotName } from "./schema.ts";

export const defaultConfigFile = "ai-dev.config.yaml";

/** Each provider checks its own settings with its own schema; the adapters supply them by name. */
export type ProviderConfigSchemas = Readonly<Record<string, z.ZodType>>;

export interface PluginSettings {
  provider: string;
  enabled: boolean;
  /** The provider's own settings, already checked by its schema (undefined when it has none). */
  settings: unknown;
  /** provider: custom only: the module's absolute path, resolved against the configuration file's folder. */
  module?: string;
}

export interface LoadedConfig {
  config: AppConfig;
  /** The file it came from, or undefined when every setting is a default. */
  file: string | undefined;
  plugins: Record<PluginSlotName, PluginSettings>;
  /** Values taken from the environment (keys, tokens): the logger redacts them. */
  secrets: string[];
  /** What the app should say at start without refusing to run (a deprecated model). */
  warnings: string[];
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** An explicit file, as `ai-dev config check FILE` gives; otherwise AI_DEV_CONFIG or ./ai-dev.config.yaml. */
  file?: string | undefined;
  providerSchemas?: ProviderConfigSchemas;
  /** Today, for model end-of-life dates. */
  clock?: () => Date;
  /** The model deprecation list; the installed SDK's by default. */
  deprecations?: DeprecationTable;
}

/** Reads, interpolates and checks the global configuration; throws every problem at once. */
export function loadAppConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = resolveConfigFile(options.file ?? env.AI_DEV_CONFIG, cwd);
  const issues: SourceIssue[] = [];
  const secrets: string[] = [];

  let raw: unknown = {};
  let source: YamlSource | undefined;
  if (file) {
    const text = readConfigText(file);
    source = parseYamlSource(text, path.relative(cwd, file) || file);
    secrets.push(...referencedEnvValues(text, env));
    raw = interpolated(source, env, issues);
  }
  const withEnv = applyEnvDefaults(raw ?? {}, env);
  const parsed = appConfigSchema.safeParse(withEnv);
  if (!parsed.success) {
    // An unset ${VAR} already explains why its field is empty: say it once.
    const explained = new Set(issues.map((i) => i.path.join(".")));
    for (const i of parsed.error.issues) {
      if (explained.has(i.path.join("."))) continue;
      issues.push(source ? source.issue(i.path, i.message) : envIssue(i.path, i.message));
    }
    throw new SourceValidationError(issues);
  }
  const config = parsed.data;
  if (config.ai_provider.api_key) secrets.push(config.ai_provider.api_key);
  const warnings: string[] = [];
  const deprecations = options.deprecations ?? sdkDeprecationTable();
  if (deprecations.unavailable)
    warnings.push(`models are not checked for end of life: ${deprecations.unavailable}`);
  const modelPath = ["ai_provider", "model"];
  const inFile = source !== undefined && hasPath(source.value, modelPath);
  const now = (options.clock ?? (() => new Date()))();
  // The refusal stands at ai_provider.model already; the warning is logged alone, so it names the setting.
  const verdict = modelVerdict(config.ai_provider.model, "", now, deprecations);
  if (verdict.status === "retired") {
    const message = `${verdict.message} (set ai_provider.model in ${source?.file ?? defaultConfigFile}${inFile ? "" : " or AI_DEV_MODEL"})`;
    issues.push(source && inFile ? source.issue(modelPath, message) : envIssue(modelPath, message));
  } else if (verdict.status === "deprecated") warnings.push(`ai_provider.model ${verdict.message}`);

  const plugins = {} as Record<PluginSlotName, PluginSettings>;
  for (const slot of Object.keys(config.plugins) as PluginSlotName[]) {
    const entry = config.plugins[slot];
    const settings = entry.enabled
      ? providerSettings(slot, entry, {
          file,
          source,
          env,
          issues,
          secrets,
          schemas: options.providerSchemas ?? {},
        })
      : undefined;
    const base = file ? path.dirname(file) : cwd;
    plugins[slot] = {
      provider: entry.provider,
      enabled: entry.enabled,
      settings,
      ...(entry.module ? { module: path.resolve(base, entry.module) } : {}),
    };
  }
  if (issues.length > 0) throw new SourceValidationError(issues);
  return { config, file, plugins, secrets: [...new Set(secrets)].filter((s) => s.length >= 4), warnings };
}

function resolveConfigFile(explicit: string | undefined, cwd: string): string | undefined {
  if (explicit) {
    const file = path.resolve(cwd, explicit);
    if (!existsSync(file)) {
      throw new SourceValidationError([
        { file: explicit, position: undefined, path: [], message: "configuration file not found" },
      ]);
    }
    return file;
  }
  const fallback = path.resolve(cwd, defaultConfigFile);
  return existsSync(fallback) ? fallback : undefined;
}

function readConfigText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (cause) {
    throw new Error(`cannot read configuration file ${file}`, { cause });
  }
}

function interpolated(source: YamlSource, env: NodeJS.ProcessEnv, issues: SourceIssue[]): unknown {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const value = interpolateEnv(source.value, env, problems);
  for (const problem of problems) issues.push(source.issue(problem.path, problem.message));
  return value;
}

/** The environment fills what the file leaves out, so a newcomer needs no file at all. */
function applyEnvDefaults(raw: unknown, env: NodeJS.ProcessEnv): unknown {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return raw;
  const config = raw as Record<string, unknown>;
  const provider = config.ai_provider;
  if (
    provider !== undefined &&
    (typeof provider !== "object" || provider === null || Array.isArray(provider))
  ) {
    return raw;
  }
  const ai = { ...(provider as Record<string, unknown> | undefined) };
  if (ai.api_key === undefined && env.ANTHROPIC_API_KEY) ai.api_key = env.ANTHROPIC_API_KEY;
  if (ai.base_url === undefined && env.ANTHROPIC_BASE_URL) ai.base_url = env.ANTHROPIC_BASE_URL;
  if (ai.model === undefined && env.AI_DEV_MODEL) ai.model = env.AI_DEV_MODEL;
  return { ...config, ai_provider: ai };
}

function hasPath(value: unknown, keys: readonly string[]): boolean {
  let node = value;
  for (const key of keys) {
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, key)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

function envIssue(path: PropertyKey[], message: string): SourceIssue {
  return { file: "environment", position: undefined, path: path.map(String), message };
}

interface ProviderContext {
  file: string | undefined;
  source: YamlSource | undefined;
  env: NodeJS.ProcessEnv;
  issues: SourceIssue[];
  secrets: string[];
  schemas: ProviderConfigSchemas;
}

function providerSettings(
  slot: PluginSlotName,
  entry: AppConfig["plugins"][PluginSlotName],
  ctx: ProviderContext,
): unknown {
  // A custom provider's settings are checked by the module's own configSchema when the registry loads it.
  const schema = (entry.provider as string) === "custom" ? undefined : ctx.schemas[entry.provider];
  if (entry.config_file) {
    const base = ctx.file ? path.dirname(ctx.file) : process.cwd();
    const file = path.resolve(base, entry.config_file);
    if (!existsSync(file)) {
      const at = ctx.source?.issue(["plugins", slot, "config_file"], `file not found: ${entry.config_file}`);
      if (at) ctx.issues.push(at);
      return undefined;
    }
    const text = readConfigText(file);
    try {
      const source = parseYamlSource(text, path.relative(process.cwd(), file) || file);
      ctx.secrets.push(...referencedEnvValues(text, ctx.env));
      const value = interpolated(source, ctx.env, ctx.issues);
      const settings = withoutProviderKey(value, entry.provider, (m) => {
        ctx.issues.push(source.issue(["provider"], m));
      });
      if (settings === undefined) return undefined;
      return checkSettings(schema, settings, (p, m) => source.issue(p, m), ctx.issues);
    } catch (error) {
      if (error instanceof SourceValidationError) ctx.issues.push(...error.issues);
      else throw error;
      return undefined;
    }
  }
  return checkSettings(
    schema,
    entry.config ?? {},
    (p, m) =>
      ctx.source?.issue(["plugins", slot, "config", ...p], m) ??
      envIssue(["plugins", slot, "config", ...p], m),
    ctx.issues,
  );
}

/**
 * A provider file may name its provider at the top (`provider: jira`, as the plan writes them): it must be
 * the provider it is loaded for, and is removed before the provider's own schema reads the settings.
 */
function withoutProviderKey(value: unknown, provider: string, refuse: (message: string) => void): unknown {
  if (
    value === null ||
    typeof value !== "object" ||
    Array.isArray(value) ||
    !Object.hasOwn(value, "provider")
  )
    return value;
  const { provider: named, ...settings } = value as Record<string, unknown>;
  if (named !== provider) {
    refuse(
      `this file is for provider ${JSON.stringify(named)}, but it is loaded for ${provider}: fix the file's provider, or point the slot's config_file at the ${provider} settings`,
    );
    return undefined;
  }
  return settings;
}

function checkSettings(
  schema: z.ZodType | undefined,
  value: unknown,
  issueAt: (path: PropertyKey[], message: string) => SourceIssue,
  issues: SourceIssue[],
): unknown {
  if (!schema) return value;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const i of result.error.issues) issues.push(issueAt(i.path, i.message));
  return undefined;
}
