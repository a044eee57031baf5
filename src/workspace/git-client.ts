import { execFile } from "node:child_process";
import os from "node:os";
import { promisify } from "node:util";
import { GitError, type SimpleGit, simpleGit } from "simple-git";

/** GitHub takes an installation token for git over HTTPS as basic auth with the user `x-access-token`. */
export function authorizationHeader(token: string): string {
  return `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;
}

const proxyVariables = ["http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"];

/**
 * The environment every git command of the app runs with: none of the app's variables (keys, tokens),
 * no system or user config (GIT_CONFIG_NOSYSTEM, GIT_CONFIG_GLOBAL=/dev/null), hooks off, no credential
 * helper, no prompt. A token travels as an `http.extraHeader` in GIT_CONFIG_COUNT/KEY/VALUE variables of
 * that one command: never in a remote URL, `.git/config`, a file, or the argument list `ps` shows.
 */
export function gitEnv(token?: string): Record<string, string> {
  const config: [string, string][] = [
    ["core.hooksPath", "/dev/null"],
    ["credential.helper", ""],
    ["commit.gpgSign", "false"],
  ];
  if (token) config.push(["http.extraHeader", authorizationHeader(token)]);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: os.tmpdir(),
    LANG: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_COUNT: String(config.length),
  };
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  for (const name of proxyVariables) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return env;
}

/**
 * simple-git in `dir` with exactly `env`. simple-git guards GIT_* variables and settings that change
 * which programs git runs; the ones allowed here are the app's own hardening (no global config, hooks
 * to /dev/null, no credential helper), never text from a repository or the model.
 *
 * simple-git (4.x, its completion detection) waits 50 ms after a git that wrote nothing to stdout or
 * stderr before it resolves: on the paths a run waits for, commands are chosen so that git reports
 * something (`fetch --verbose`, `checkout` without `--quiet`), replaced by plain file operations, or
 * run through gitOutput below when they often print nothing.
 */
export function gitClient(dir: string, env: Record<string, string>): SimpleGit {
  return simpleGit({
    baseDir: dir,
    allowEnvironment: Object.keys(env),
    unsafe: {
      allowUnsafeConfigPaths: true,
      allowUnsafeConfigEnvCount: true,
      allowUnsafeHooksPath: true,
      allowUnsafeCredentialHelper: true,
    },
  }).env(env);
}

const execFileAsync = promisify(execFile);

/** A snapshot's binary diff of a large change can be big; past this, the command fails rather than truncates. */
const maxOutputBytes = 512 * 1024 * 1024;

/**
 * One git command's standard output, for the commands a run's every turn makes that often print
 * nothing: `add --all` always, a diff when the turn changed nothing. simple-git would wait its 50 ms
 * after each of them (see gitClient): 100 of a snapshot's 130 ms on a 10,000-file checkout, against
 * 28 ms run directly. Same rules as gitClient: the arguments are the app's own, never a repository's or
 * the model's, and git gets exactly `env`. A failure is a GitError with git's own message, as simple-git
 * throws it.
 */
export async function gitOutput(
  dir: string,
  env: Record<string, string>,
  args: readonly string[],
): Promise<string> {
  try {
    const { stdout } = await execFileAsync("git", [...args], {
      cwd: dir,
      env,
      encoding: "utf8",
      maxBuffer: maxOutputBytes,
    });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    throw new GitError(undefined, typeof stderr === "string" && stderr.trim() ? stderr : String(error));
  }
}
