import { realpathSync, statSync } from "node:fs";
import path from "node:path";
import { defaultConfigFile } from "../config/load.ts";
import { linkedSystemDirs } from "./bwrap-args.ts";
import type { MaskedPath } from "./masked-paths.ts";

/** The host directories the sandbox shows read-only (bwrap-args.ts). */
export const shownSystemRoots: readonly string[] = ["/usr", "/etc", ...linkedSystemDirs];

/**
 * Where the app keeps its own secrets on the host: its working directory (Probot's setup writes `.env`
 * with the private key and webhook secret there, and main.ts loads it), the configuration file and
 * PRIVATE_KEY_PATH. Read from the process, so `ai-dev sandbox` run where the app runs hides the same.
 */
export function appSecretPaths(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string[] {
  const paths = [cwd, path.resolve(cwd, env.AI_DEV_CONFIG ?? defaultConfigFile)];
  if (env.PRIVATE_KEY_PATH) paths.push(path.resolve(cwd, env.PRIVATE_KEY_PATH));
  return paths;
}

/**
 * The secret paths that lie inside a directory the sandbox shows, to be covered there: an app
 * installed under /usr/local or configured from /etc would otherwise be readable by every command.
 * A root itself is never covered (a working directory of /usr would hide the system); paths are
 * resolved through links, since the sandbox sees the target.
 */
export function hiddenAppSecrets(
  paths: readonly string[],
  roots: readonly string[] = shownSystemRoots,
): MaskedPath[] {
  const hidden: MaskedPath[] = [];
  for (const candidate of paths) {
    let real: string;
    let directory: boolean;
    try {
      real = realpathSync(candidate);
      directory = statSync(real).isDirectory();
    } catch {
      continue;
    }
    if (!roots.some((root) => real.startsWith(`${root}/`))) continue;
    if (!hidden.some((h) => h.path === real)) hidden.push({ path: real, directory });
  }
  return hidden;
}
