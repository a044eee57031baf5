import { readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { loadAppConfig } from "../config/load.ts";
import { narrowConfig, repoConfigSchema } from "../config/repo-config.ts";
import type { AppConfig } from "../config/schema.ts";
import { UserFacingError } from "../errors.ts";
import type { SandboxNetwork } from "../sandbox/bwrap-args.ts";
import { sandboxLimits } from "../sandbox/limits.ts";
import { runSandboxed } from "../sandbox/run-sandboxed.ts";

export interface SandboxCommandOptions {
  dir: string;
  network: SandboxNetwork;
}

/**
 * The blocked paths a run in `dir` would have: the operator's and those of the directory's own
 * `.github/ai-dev.yml` (a run reads that file from the default branch; here the checkout is all there is).
 */
function blockedPathsFor(config: AppConfig, dir: string): string[] {
  const file = path.join(dir, ".github", "ai-dev.yml");
  let raw: string | undefined;
  try {
    raw = readFileSync(file, "utf8");
  } catch {
    raw = undefined;
  }
  let parsed: ReturnType<typeof repoConfigSchema.safeParse>;
  try {
    parsed = repoConfigSchema.safeParse(raw === undefined ? {} : (parseYaml(raw) ?? {}));
  } catch (error) {
    throw new UserFacingError("invalid_repo_config", `${file} is not valid YAML: fix it or remove it`, {
      cause: error,
    });
  }
  if (!parsed.success) {
    throw new UserFacingError(
      "invalid_repo_config",
      `${file} is not valid: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  return narrowConfig(config, parsed.data).blockedPaths;
}

/**
 * `ai-dev sandbox --dir DIR -- CMD…`: one command exactly as an agent's run executes it (same sandbox,
 * environment, limits and security.allowed_commands), so an operator can see what it reads and reaches.
 * The words after `--` are joined with spaces and run by /bin/sh -c, as ssh does; quote them to keep
 * shell syntax for the sandbox (`-- 'env | sort'`). Blocked paths in DIR are covered as in a run.
 */
export async function sandboxCommand(words: string[], options: SandboxCommandOptions): Promise<void> {
  const { config } = loadAppConfig();
  const setup = options.network === "registries";
  const result = await runSandboxed({
    dir: options.dir,
    command: words.join(" "),
    network: options.network,
    timeoutMs: setup ? sandboxLimits.setupTimeoutMs : sandboxLimits.commandTimeoutMs,
    outputCapBytes: sandboxLimits.outputCapBytes,
    allowedCommands: config.security.allowed_commands,
    blockedPaths: blockedPathsFor(config, options.dir),
  });
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  const how = result.timedOut
    ? `timed out after ${setup ? sandboxLimits.setupTimeoutMs : sandboxLimits.commandTimeoutMs} ms`
    : result.exitCode !== null
      ? `exit code ${result.exitCode}`
      : `killed by ${result.signal}`;
  process.stderr.write(
    `[sandbox] ${how} in ${result.durationMs} ms${result.truncated ? ", output truncated" : ""}\n`,
  );
  // As GNU timeout: 124 for a command stopped at its time limit.
  process.exitCode = result.timedOut ? 124 : (result.exitCode ?? 1);
}
