import os from "node:os";
import { type SimpleGit, simpleGit } from "simple-git";

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
 * something (`fetch --verbose`, `checkout` without `--quiet`) or replaced by plain file operations.
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
