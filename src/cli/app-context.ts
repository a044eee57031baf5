import { providerConfigSchemas } from "../../adapters/config-schemas.ts";
import { type ServerSettings, secretsFromEnv, serverSettingsFromEnv } from "../config/env.ts";
import { type LoadedConfig, loadAppConfig } from "../config/load.ts";
import { createLogger, type Logger } from "../logging/logger.ts";

export interface AppContext {
  settings: ServerSettings;
  loaded: LoadedConfig;
  log: Logger;
  /** Every secret value the app knows (configuration and environment): scrubbed wherever text is stored or said. */
  secrets: string[];
}

/** What every long-running command needs first: settings, checked configuration, a redacting logger. */
export function loadAppContext(env: NodeJS.ProcessEnv = process.env): AppContext {
  const settings = serverSettingsFromEnv(env);
  const loaded = loadAppConfig({ env, providerSchemas: providerConfigSchemas });
  const secrets = [...new Set([...loaded.secrets, ...secretsFromEnv(env)])];
  const log = createLogger({ level: settings.logLevel, format: settings.logFormat, secrets });
  for (const warning of loaded.warnings) log.warn({ warning, file: loaded.file }, "configuration warning");
  return { settings, loaded, log, secrets };
}
