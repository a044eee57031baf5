import path from "node:path";
import nock from "nock";
import { describe, expect, it } from "vitest";
import { providerConfigSchemas } from "../../../adapters/config-schemas.ts";
import { resolvePluginAdapters } from "../../../adapters/registry.ts";
import { loadAppConfig } from "../../../src/config/load.ts";
import { writeTempConfig } from "../../config/temp-config.ts";
import { callContext } from "../github/harness.ts";

/** The README's worked example of a provider of one's own: this repository's file, loaded as documented. */
const exampleModule = path.resolve(
  import.meta.dirname,
  "..",
  "..",
  "..",
  "plugins",
  "mattermost-notifier.mjs",
);

function configured(config: string) {
  const file = writeTempConfig(
    `plugins:\n  communication:\n    provider: custom\n    module: ${exampleModule}\n    enabled: true\n    config:\n${config}`,
  );
  // The communication slot alone, as the worker resolves it for a notice outside any step.
  const { communication } = loadAppConfig({ file, env: {}, providerSchemas: providerConfigSchemas }).plugins;
  return { communication };
}

describe("the documented custom provider (plugins/mattermost-notifier.mjs)", () => {
  it("posts a run's message to the Mattermost webhook its configuration names, with pings defused", async () => {
    const plugins = configured(
      "      webhook_url: https://chat.example.com/hooks/xxx-generatedkey-xxx\n      channel: ai-dev\n",
    );
    const bodies: unknown[] = [];
    nock("https://chat.example.com")
      .post("/hooks/xxx-generatedkey-xxx", (body) => {
        bodies.push(body);
        return true;
      })
      .reply(200, "ok");
    const adapters = await resolvePluginAdapters({ plugins });
    const result = await adapters.communication?.notify(
      { message: "Run r-1 for octo/app#3 failed: tell @channel", level: "error" },
      callContext(),
    );
    expect(result).toEqual({ delivered: true, message_id: null });
    expect(bodies).toEqual([
      { text: ":x: Run r-1 for octo/app#3 failed: tell @\u2060channel", channel: "ai-dev" },
    ]);
  });

  it("says which setting to check when Mattermost refuses, and refuses a settings file without a URL", async () => {
    const plugins = configured("      webhook_url: https://chat.example.com/hooks/gone\n");
    nock("https://chat.example.com").post("/hooks/gone").reply(404, "Unable to find the webhook");
    const adapters = await resolvePluginAdapters({ plugins });
    await expect(
      adapters.communication?.notify({ message: "hi", level: "info" }, callContext()),
    ).rejects.toThrow(
      "Mattermost answered 404 to the run notification: check plugins.communication.config.webhook_url",
    );
    await expect(resolvePluginAdapters({ plugins: configured("      channel: ai-dev\n") })).rejects.toThrow(
      /plugins\.communication\.config: webhook_url: /,
    );
  });
});
