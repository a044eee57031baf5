import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FakeLinear } from "../../demo/stand-ins/fake-linear.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { checkSandbox } from "../../src/sandbox/check-sandbox.ts";
import { runTicketEndToEnd } from "./ticket-end-to-end.ts";

const sandbox = await checkSandbox();
const secret = "linear-webhook-secret-e2e";

/** The recorded Issue update of WEB-44, as a move to the trigger state (its state named so, stateId changed). */
function movedToTrigger(): string {
  const body = JSON.parse(
    readFileSync(
      path.join(import.meta.dirname, "..", "fixtures", "linear", "webhook.issue.update.json"),
      "utf8",
    ),
  ) as { data: { state: { name: string } }; updatedFrom: Record<string, unknown>; webhookTimestamp: number };
  body.data.state.name = "AI Assigned";
  body.updatedFrom.stateId = "1b9b0d3e-4c1f-4a55-9a70-5e8f1c2d0a11";
  body.webhookTimestamp = Date.now();
  return JSON.stringify(body);
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

describe.skipIf(!sandbox.ok)("a Linear issue moved to AI Assigned, end to end", () => {
  it("ends as the Jira run does, with only the configuration changed", async () => {
    const linear = new FakeLinear(["AI Assigned", "Todo", "In Progress", "In Review", "Done"], "AI Assigned");
    await linear.start();
    stops.push(async () => await linear.stop());
    const { run, pull, atlassian, slackMessages, modelUnexpected } = await runTicketEndToEnd({
      taskManagement: () => [
        "provider: linear",
        "config:",
        `  connection: { api_key: lin_api_key_e2e, api_url: "${linear.url}" }`,
        '  webhook_secret: "${LINEAR_WEBHOOK_SECRET}"',
        "  triggers: { repositories: { WEB: Codertocat/Hello-World } }",
      ],
      env: { LINEAR_WEBHOOK_SECRET: secret },
      taskKey: "WEB-44",
      cleanup: (stop) => stops.push(stop),
      deliver: async (url) => {
        const body = movedToTrigger();
        return await fetch(`${url}/api/linear/webhooks`, {
          method: "POST",
          body,
          headers: {
            "content-type": "application/json",
            "linear-signature": createHmac("sha256", secret).update(body).digest("hex"),
            "linear-delivery": randomUUID(),
            "linear-event": "Issue",
          },
        });
      },
    });
    expect({ status: run.status, error: run.error_message }).toEqual({ status: "succeeded", error: null });
    expect(pull?.body).toContain("Closes WEB-44");
    expect(linear.stateHistory).toEqual(["In Progress", "In Review"]);
    expect(linear.state).toBe("In Review");
    expect(linear.attachments).toEqual([
      expect.objectContaining({ issueId: "WEB-44", url: expect.stringContaining(`/pull/${pull?.number}`) }),
    ]);
    const outcome = await waitFor(
      async () => linear.comments.find((c) => c.body.includes("· done ·")),
      20_000,
      "the outcome on the issue",
    );
    expect(outcome.issueId).toBe("WEB-44");
    expect(outcome.body).toMatch(/cost so far \$0\.\d\d/);
    expect(outcome.body).toContain(`/pull/${pull?.number}`);
    expect(atlassian.pages).toEqual([expect.objectContaining({ title: "Greeting", version: 1 })]);
    expect(
      atlassian.requests.filter((r) => r.method === "POST" && r.path === "/wiki/rest/api/content"),
    ).toHaveLength(1);
    expect(slackMessages[0]?.text).toContain("WEB-44");
    expect(slackMessages[0]?.text).toContain(`/pull/${pull?.number}`);
    expect(modelUnexpected).toBe(0);
  }, 200_000);
});
