import { readFileSync } from "node:fs";
import nock from "nock";
import { describe, expect, it } from "vitest";
import { slackConfigSchema } from "../../../adapters/slack/config.ts";
import { slackCommunication } from "../../../adapters/slack/index.ts";
import { memoryThreadStore } from "../../support/memory-thread-store.ts";
import { callContext, recordingSleep } from "../github/harness.ts";

const posted = JSON.parse(
  readFileSync(new URL("../../fixtures/slack/chat.postMessage.json", import.meta.url), "utf8"),
);
const api = "https://slack.test";
const settings = slackConfigSchema.parse({
  connection: { bot_token: "xoxb-test-token", signing_secret: "signing-secret" },
  channel: "#ai-dev",
});

function postMessage(bodies: Record<string, string>[], reply: unknown = posted, status = 200, headers = {}) {
  return nock(api)
    .matchHeader("authorization", "Bearer xoxb-test-token")
    .post("/api/chat.postMessage", (body: Record<string, string>) => {
      bodies.push(body);
      return true;
    })
    .reply(status, reply as nock.Body, headers);
}

describe("Slack communication", () => {
  it("starts a thread with a run's first message and replies in it with the later ones", async () => {
    const bodies: Record<string, string>[] = [];
    postMessage(bodies);
    postMessage(bodies, { ...posted, ts: "1503435957.000300" });
    const threads = memoryThreadStore();
    const slack = slackCommunication({ settings, threads, slackApiUrl: `${api}/api/` });
    const first = await slack.notify(
      {
        message:
          "Pull request opened for KAN-3: Fix <!channel> checkout\nhttps://github.com/octo-org/shop/pull/12",
        level: "success",
      },
      callContext(),
    );
    expect(first).toEqual({ delivered: true, message_id: "1503435956.000247" });
    expect(await threads.get("run-1", "#ai-dev")).toBe("1503435956.000247");
    await slack.notify(
      { message: "Run run-1 for KAN-3 reached its budget: raise limits.max_cost_per_task", level: "warning" },
      callContext(),
    );
    expect(bodies).toEqual([
      {
        channel: "#ai-dev",
        text: ":white_check_mark: Pull request opened for KAN-3: Fix &lt;!channel&gt; checkout\nhttps://github.com/octo-org/shop/pull/12",
        unfurl_links: "false",
      },
      {
        channel: "#ai-dev",
        text: ":warning: Run run-1 for KAN-3 reached its budget: raise limits.max_cost_per_task",
        unfurl_links: "false",
        thread_ts: "1503435956.000247",
      },
    ]);
  });

  it("answers invalid_auth with the bot token to check, and channel_not_found with the channel", async () => {
    const slack = slackCommunication({
      settings,
      threads: memoryThreadStore(),
      slackApiUrl: `${api}/api/`,
      configFile: "plugins/slack.config.yaml",
    });
    postMessage([], { ok: false, error: "invalid_auth" });
    const unauthorized = await slack.notify({ message: "hi", level: "info" }, callContext()).catch((e) => e);
    expect(unauthorized.code).toBe("slack_unauthorized");
    expect(unauthorized.message).toContain("connection.bot_token in plugins/slack.config.yaml");
    expect(unauthorized.message).not.toContain("xoxb-test-token");
    postMessage([], { ok: false, error: "channel_not_found" });
    const missing = await slack
      .notify({ message: "hi", level: "info", channel: "#gone" }, callContext())
      .catch((e) => e);
    expect(missing.code).toBe("slack_not_found");
    expect(missing.message).toContain("#gone");
  });

  it("waits out a 429's Retry-After with the injected sleep, then posts", async () => {
    const { waits, sleep } = recordingSleep();
    postMessage([], { ok: false, error: "ratelimited" }, 429, { "Retry-After": "4" });
    postMessage([]);
    const slack = slackCommunication({
      settings,
      threads: memoryThreadStore(),
      slackApiUrl: `${api}/api/`,
      sleep,
    });
    const result = await slack.notify({ message: "hi", level: "info" }, callContext());
    expect(result.delivered).toBe(true);
    expect(waits).toEqual([4000]);
  });

  it("keeps a thread per channel: a run's first message to another channel starts a thread there", async () => {
    const bodies: Record<string, string>[] = [];
    postMessage(bodies);
    postMessage(bodies, { ...posted, ts: "1503435999.000100" });
    const threads = memoryThreadStore();
    await threads.remember("run-1", "#ai-dev", "1503435900.000001");
    const slack = slackCommunication({ settings, threads, slackApiUrl: `${api}/api/` });
    await slack.notify({ message: "in the thread", level: "info" }, callContext());
    await slack.notify({ message: "elsewhere", level: "info", channel: "#releases" }, callContext());
    expect(bodies.map((b) => [b.channel, b.thread_ts])).toEqual([
      ["#ai-dev", "1503435900.000001"],
      ["#releases", undefined],
    ]);
    expect(await threads.get("run-1", "#releases")).toBe("1503435999.000100");
  });
});
