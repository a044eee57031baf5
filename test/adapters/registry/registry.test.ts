import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import nock from "nock";
import { describe, expect, it } from "vitest";
import { providerConfigSchemas } from "../../../adapters/config-schemas.ts";
import { resolvePluginAdapters } from "../../../adapters/registry.ts";
import { loadAppConfig } from "../../../src/config/load.ts";
import { memoryThreadStore } from "../../support/memory-thread-store.ts";
import { callContext, installationOctokit } from "../github/harness.ts";

const linearIssue = JSON.parse(
  readFileSync(new URL("../../fixtures/linear/issue.json", import.meta.url), "utf8"),
);

function configDir(yaml: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), "ai-dev-registry-"));
  writeFileSync(path.join(dir, "ai-dev.config.yaml"), yaml);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const load = (dir: string) =>
  loadAppConfig({
    file: path.join(dir, "ai-dev.config.yaml"),
    cwd: dir,
    env: {},
    providerSchemas: providerConfigSchemas,
  });

const snapshot = {
  key: "octo/app#1",
  title: "Fix checkout",
  description: "It breaks",
  status: "open",
  type: "issue",
  url: "https://github.com/octo/app/issues/1",
  labels: [],
};

describe("plugin registry", () => {
  it("switches the task provider from GitHub to Linear by configuration alone", async () => {
    const github = load(configDir("plugins:\n  task_management:\n    provider: github\n"));
    const context = { github: { octokit: installationOctokit(), snapshot }, threads: memoryThreadStore() };
    const onGithub = await resolvePluginAdapters({ ...context, plugins: github.plugins });
    expect(await onGithub.task_management?.get_task({ task_key: "octo/app#1" }, callContext())).toEqual(
      snapshot,
    );

    const linear = load(
      configDir(
        "plugins:\n  task_management:\n    provider: linear\n    config:\n      connection:\n        api_key: lin_api_key_for_tests\n",
      ),
    );
    nock("https://api.linear.app").post("/graphql").reply(200, linearIssue);
    const onLinear = await resolvePluginAdapters({ ...context, plugins: linear.plugins });
    const task = await onLinear.task_management?.get_task({ task_key: "WEB-44" }, callContext());
    expect(task?.key).toBe("WEB-44");
    expect(Object.keys(onLinear).sort()).toEqual(["task_management", "version_control"]);
  });

  it("loads a team's own provider from the module the configuration points at", async () => {
    const dir = configDir(
      "plugins:\n  communication:\n    provider: custom\n    module: ./teams-notifier.mjs\n    enabled: true\n    config:\n      webhook: https://teams.example.com/hook\n",
      {
        "teams-notifier.mjs": [
          "export default function createAdapter({ settings }) {",
          "  return { async notify({ message }) { return { delivered: true, message_id: `${settings.webhook}#${message}` }; } };",
          "}",
        ].join("\n"),
      },
    );
    const adapters = await resolvePluginAdapters({
      plugins: load(dir).plugins,
      github: { octokit: installationOctokit() },
    });
    expect(await adapters.communication?.notify({ message: "hi", level: "info" }, callContext())).toEqual({
      delivered: true,
      message_id: "https://teams.example.com/hook#hi",
    });
  });

  it("refuses a custom module whose adapter lacks the slot's actions, naming them", async () => {
    const dir = configDir(
      "plugins:\n  task_management:\n    provider: custom\n    module: ./half-tracker.mjs\n",
      { "half-tracker.mjs": "export default () => ({ async get_task() { return {}; } });\n" },
    );
    await expect(
      resolvePluginAdapters({ plugins: load(dir).plugins, github: { octokit: installationOctokit() } }),
    ).rejects.toThrow(
      /plugins\.task_management\.module .*half-tracker\.mjs.*lacks update_status, add_comment, create_task, link_pull_request, create_subtasks/,
    );
  });

  it("refuses provider: custom without a module when the configuration loads", () => {
    expect(() => load(configDir("plugins:\n  task_management:\n    provider: custom\n"))).toThrow(
      /provider: custom needs module/,
    );
  });
});
