import { readFileSync } from "node:fs";
import path from "node:path";
import nock from "nock";

const posted = JSON.parse(
  readFileSync(path.join(import.meta.dirname, "..", "fixtures", "slack", "chat.postMessage.json"), "utf8"),
) as { ts: string };

/**
 * Slack's chat.postMessage at the HTTP boundary (nock, so the app in this process reaches it at
 * https://slack.com/api/): every message is recorded as the form Slack received, and answered with the
 * documented example under a new `ts` each time.
 */
export function fakeSlackChat(botToken = "xoxb-test-token") {
  const messages: Record<string, string>[] = [];
  let next = 0;
  const scope = nock("https://slack.com")
    .persist()
    .matchHeader("authorization", `Bearer ${botToken}`)
    .post("/api/chat.postMessage", (body: Record<string, string>) => {
      messages.push(body);
      return true;
    })
    .reply(() => {
      next += 1;
      return [200, { ...posted, ts: `1503435956.${String(next).padStart(6, "0")}` }];
    });
  return { messages, stop: () => scope.persist(false) };
}
