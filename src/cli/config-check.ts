import { providerConfigSchemas } from "../../adapters/config-schemas.ts";
import { loadAppConfig } from "../config/load.ts";

/** `ai-dev config check [file]`: every problem at once, with file:line:col, or a one-line summary. */
export async function configCheck(
  file: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const loaded = loadAppConfig({ env, file, providerSchemas: providerConfigSchemas });
  const enabled = Object.entries(loaded.plugins)
    .filter(([, p]) => p.enabled)
    .map(([slot, p]) => `${slot}=${p.provider}`);
  for (const warning of loaded.warnings) process.stdout.write(`warning: ${warning}\n`);
  process.stdout.write(
    `${loaded.file ?? "defaults (no ai-dev.config.yaml)"}: ok; plugins: ${enabled.join(", ")}\n`,
  );
}
