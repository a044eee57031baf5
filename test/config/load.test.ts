import path from "node:path";
import { describe, expect, it } from "vitest";
import { providerConfigSchemas } from "../../adapters/config-schemas.ts";
import { loadAppConfig } from "../../src/config/load.ts";
import { SourceValidationError } from "../../src/validation/yaml-source.ts";

const fixtures = path.join(import.meta.dirname, "..", "fixtures", "config");
const env = { TEST_ANTHROPIC_KEY: "sk-ant-test-key-123", TEST_JIRA_TOKEN: "jira-token-456" };

function loadFixture(file: string, extraEnv: NodeJS.ProcessEnv = {}) {
  return loadAppConfig({
    env: { ...env, ...extraEnv },
    cwd: fixtures,
    file,
    providerSchemas: providerConfigSchemas,
  });
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof SourceValidationError) return error.message.split("\n");
    throw error;
  }
  throw new Error("expected a SourceValidationError");
}

describe("global configuration", () => {
  it("needs no file: every setting has a default", () => {
    const loaded = loadAppConfig({ env: {}, cwd: "/nonexistent", providerSchemas: providerConfigSchemas });
    expect(loaded.file).toBeUndefined();
    expect(loaded.config.limits).toEqual({
      max_cost_per_task: 5,
      max_tokens_per_task: 500_000,
      monthly_budget: 500,
    });
    expect(loaded.config.security.trigger_label).toBe("ai-implement");
    expect(loaded.config.workflows.default).toBe("implement-issue");
  });

  it("reads the documented shape, interpolates ${VAR} and checks the provider's own file", () => {
    const loaded = loadFixture("full.yaml");
    expect(loaded.config.ai_provider.api_key).toBe("sk-ant-test-key-123");
    expect(loaded.plugins.task_management.provider).toBe("jira");
    expect(loaded.plugins.task_management.settings).toMatchObject({
      connection: { api_token: "jira-token-456" },
      statuses: { in_review: "Code Review", trigger: "AI Assigned" },
      custom_fields: { pr_url: "customfield_10043" },
    });
    expect(loaded.plugins.documentation).toEqual({
      provider: "confluence",
      enabled: false,
      settings: undefined,
    });
    expect(loaded.secrets).toEqual(expect.arrayContaining(["sk-ant-test-key-123", "jira-token-456"]));
  });

  it("lists both mistakes of a broken file with their lines and paths", () => {
    const problems = problemsOf(() => loadFixture("two-mistakes.yaml"));
    expect(problems).toHaveLength(2);
    expect(problems).toContainEqual(
      expect.stringMatching(/^two-mistakes\.yaml:7:\d+ limits\.monthly_budget: .*number/),
    );
    expect(problems).toContainEqual(expect.stringMatching(/^two-mistakes\.yaml:\d+:\d+ security: .*sandbox/));
  });

  it("names an unset environment variable where it is used", () => {
    const problems = problemsOf(() => loadFixture("full.yaml", { TEST_ANTHROPIC_KEY: "" }));
    expect(problems).toEqual([
      expect.stringMatching(
        /^full\.yaml:2:\d+ ai_provider\.api_key: environment variable TEST_ANTHROPIC_KEY is not set/,
      ),
    ]);
  });

  it("reports a provider file's mistakes against that file's lines", () => {
    const problems = problemsOf(() => loadFixture("bad-jira.yaml"));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/plugins\/bad-jira\.config\.yaml:2:\d+ connection\.url: /),
        expect.stringMatching(/plugins\/bad-jira\.config\.yaml:6:\d+ custom_fields\.pr_url: a field id/),
      ]),
    );
  });

  it("gives line and column for a YAML syntax error", () => {
    const problems = problemsOf(() => loadAppConfig({ env: {}, cwd: fixtures, file: "broken-syntax.yaml" }));
    expect(problems).toEqual(["broken-syntax.yaml:5:3 Map keys must be unique"]);
  });

  it("refuses to be told it may merge", () => {
    const problems = problemsOf(() =>
      loadAppConfig({ env: { AI_DEV_CONFIG: "may-merge.yaml" }, cwd: fixtures }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/may-merge\.yaml:2:\d+ security\.require_approval_for_merge: .*never merges/),
    ]);
  });
});

describe("ai-dev.config.example.yaml", () => {
  it("is valid once its environment variables are set, and shows every default", () => {
    const loaded = loadAppConfig({
      env: { ANTHROPIC_API_KEY: "sk-ant-example", JIRA_API_TOKEN: "jira-example" },
      cwd: path.join(import.meta.dirname, "..", ".."),
      file: "ai-dev.config.example.yaml",
      providerSchemas: providerConfigSchemas,
    });
    // Apart from the plugins it enables, the example equals having no file at all.
    const defaults = loadAppConfig({
      env: { ANTHROPIC_API_KEY: "sk-ant-example" },
      cwd: "/nonexistent",
    }).config;
    expect({ ...loaded.config, plugins: undefined }).toEqual({ ...defaults, plugins: undefined });
    expect(loaded.plugins.task_management.settings).toMatchObject({
      connection: { api_token: "jira-example" },
    });
  });
});
