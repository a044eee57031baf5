import path from "node:path";
import { describe, expect, it } from "vitest";
import { providerConfigSchemas } from "../../adapters/config-schemas.ts";
import { loadAppConfig } from "../../src/config/load.ts";
import { writeTempConfig } from "./temp-config.ts";

const pluginsDir = path.resolve(import.meta.dirname, "..", "..", "plugins");

/** Loads a documented provider file as `config_file:` of its slot, with its environment variables set. */
function loadExample(slot: string, provider: string, file: string, env: Record<string, string>) {
  const config = writeTempConfig(
    `plugins:\n  ${slot}:\n    provider: ${provider}\n    enabled: true\n    config_file: ${path.join(pluginsDir, file)}\n`,
  );
  return loadAppConfig({ file: config, env, providerSchemas: providerConfigSchemas }).plugins;
}

describe("the provider files docs/providers.md documents", () => {
  it("Jira Cloud signs in with an email and an API token", () => {
    const { task_management } = loadExample("task_management", "jira", "jira.config.example.yaml", {
      JIRA_API_TOKEN: "jira-example",
    });
    expect(task_management.settings).toMatchObject({
      connection: { deployment: "cloud", email: "ai-dev@example.com", api_token: "jira-example" },
    });
  });

  it("Jira Data Center / Server signs in with a personal access token", () => {
    const { task_management } = loadExample(
      "task_management",
      "jira",
      "jira-data-center.config.example.yaml",
      {
        JIRA_PAT: "pat-example",
      },
    );
    expect(task_management.settings).toMatchObject({
      connection: {
        deployment: "data_center",
        url: "https://jira.example.com",
        personal_access_token: "pat-example",
      },
      custom_fields: { epic_link: "customfield_10101" },
    });
  });

  it("Slack takes a bot token, a signing secret, a channel and the user mapping", () => {
    const { communication } = loadExample("communication", "slack", "slack.config.example.yaml", {
      SLACK_BOT_TOKEN: "xoxb-example",
      SLACK_SIGNING_SECRET: "signing-example",
    });
    expect(communication.settings).toEqual({
      connection: { bot_token: "xoxb-example", signing_secret: "signing-example" },
      channel: "#ai-dev",
      slash_commands: { enabled: true, users: { U2147483697: "octocat" } },
    });
  });
});
