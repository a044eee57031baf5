import path from "node:path";
import { describe, expect, it } from "vitest";
import { providerConfigSchemas } from "../../adapters/config-schemas.ts";
import { loadAppContext } from "../../src/cli/app-context.ts";
import { loadConfiguredWorkflows } from "../../src/cli/runtime.ts";
import { loadAppConfig } from "../../src/config/load.ts";
import { narrowConfig, repoConfigSchema } from "../../src/config/repo-config.ts";
import { loadWorkflows } from "../../src/engine/load-workflows.ts";
import { pluginCatalog } from "../../src/plugins/catalog.ts";
import { formatSourceIssue, SourceValidationError } from "../../src/validation/yaml-source.ts";
import { writeTempConfig } from "./temp-config.ts";

const root = path.join(import.meta.dirname, "..", "..");
const planForm = path.join(root, "test", "engine", "fixtures", "plan-form");
const env = { TEST_JIRA_TOKEN: "jira-token-456" };

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof SourceValidationError) return error.issues.map(formatSourceIssue);
    throw error;
  }
  throw new Error("expected a SourceValidationError");
}

const jiraFile = (top: string, mappings: string) => `${top}connection:
  url: https://example.atlassian.net
  email: bot@example.com
  api_token: "\${TEST_JIRA_TOKEN}"
mappings:
${mappings}`;
const withJira = (text: string) =>
  writeTempConfig(
    "plugins:\n  task_management: { provider: jira, enabled: true, config_file: ./plugins/jira.yaml }\n",
    { "plugins/jira.yaml": text },
  );
const load = (file: string) => loadAppConfig({ env, file, providerSchemas: providerConfigSchemas });

describe("configuration as the plan writes it", () => {
  it("loads a Jira file that repeats its provider and maps epic_type and task_type", () => {
    const loaded = loadAppConfig({
      env,
      cwd: planForm,
      file: "ai-dev.config.yaml",
      providerSchemas: providerConfigSchemas,
    });
    expect(loaded.plugins.task_management.settings).toMatchObject({
      connection: { api_token: "jira-token-456" },
      project_key: "ENG",
      mappings: { epic_issue_type: "Initiative", task_issue_type: "Story", subtask_issue_type: "Sub-task" },
      statuses: { in_review: "Code Review" },
    });
    expect(loaded.plugins.task_management.settings).not.toHaveProperty("provider");
    expect(loaded.warnings).toEqual([]);
  });

  it("refuses a provider file written for another provider, at its provider line", () => {
    const file = withJira(jiraFile('# settings\nprovider: "linear"\n', "  epic_type: Epic\n"));
    expect(problemsOf(() => load(file))).toEqual([
      expect.stringMatching(
        /plugins\/jira\.yaml:2:11 provider: this file is for provider "linear", but it is loaded for jira/,
      ),
    ]);
  });

  it("refuses both names for one mapping", () => {
    const file = withJira(jiraFile("", "  epic_type: Epic\n  epic_issue_type: Initiative\n"));
    expect(problemsOf(() => load(file))).toEqual([
      expect.stringMatching(
        /plugins\/jira\.yaml:6:14 mappings\.epic_type: give epic_type or epic_issue_type, not both/,
      ),
    ]);
  });

  it("resolves workflows.default and .github/ai-dev.yml's default by the plan's file names", () => {
    const shipped = loadWorkflows({
      dir: path.join(root, "workflows"),
      promptsDir: path.join(root, "prompts"),
      catalog: pluginCatalog,
    });
    const loaded = loadAppConfig({
      env,
      cwd: planForm,
      file: "ai-dev.config.yaml",
      providerSchemas: providerConfigSchemas,
    });
    const global = narrowConfig(loaded.config, null).defaultWorkflow;
    expect(global).toBe("standard_dev_workflow");
    expect(shipped.get(global)?.id).toBe("implement-issue");
    const repo = repoConfigSchema.parse({ workflows: { default: "hotfix_workflow" } });
    expect(shipped.get(narrowConfig(loaded.config, repo).defaultWorkflow)?.id).toBe("hotfix");
  });

  it("checks workflows.default at start: the plan's name loads the shipped workflow, an unknown one stops", () => {
    const context = loadAppContext({
      ...env,
      AI_DEV_CONFIG: path.join(planForm, "ai-dev.config.yaml"),
      LOG_LEVEL: "silent",
    });
    expect(loadConfiguredWorkflows(context).get(context.loaded.config.workflows.default)?.id).toBe(
      "implement-issue",
    );
    const wrong = writeTempConfig(
      `workflows: { default: standard_workflow, config_dir: ${path.join(root, "workflows")} }\n`,
    );
    const broken = loadAppContext({ AI_DEV_CONFIG: wrong, LOG_LEVEL: "silent" });
    expect(() => loadConfiguredWorkflows(broken)).toThrow(
      /workflows\.default is "standard_workflow", which is not a workflow in .*: set it in .* to one of documentation-only, hotfix, implement-issue, plan, plan-approve, project-create, revise/,
    );
  });
});
