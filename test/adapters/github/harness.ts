import { Octokit } from "@octokit/rest";
import { createLogger } from "../../../src/logging/logger.ts";
import type { PluginCallContext } from "../../../src/plugins/action-spec.ts";

export const api = "https://api.github.com";

/** An installation client as Probot hands it over, minus the plugins: requests go to nock. */
export const installationOctokit = () =>
  new Octokit({ auth: "ghs_installation_token_for_tests", baseUrl: api, log: quiet });

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

export const callContext = (): PluginCallContext => ({
  runId: "run-1",
  stepName: "open-pr",
  idempotencyKey: "run-1:open-pr",
  leaseEpoch: 1,
  signal: new AbortController().signal,
  log: createLogger({ level: "silent" }),
});

/** A sleep that returns at once and remembers how long it was asked to wait. */
export function recordingSleep() {
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
  };
  return { waits, sleep };
}
