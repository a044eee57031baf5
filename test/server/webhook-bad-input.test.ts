import { randomUUID } from "node:crypto";
import { request } from "node:http";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labeledIssue, webhookHeaders } from "../../demo/stand-ins/webhook-examples.ts";
import { intakeQueueName } from "../../src/queue/run-queue.ts";
import { installationId, startTestApp, type TestApp, webhookSecret } from "../support/app-harness.ts";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

async function post(body: string, headers: Record<string, string>) {
  const response = await fetch(`${app.url}/api/github/webhooks`, { method: "POST", body, headers });
  return { status: response.status, text: await response.text() };
}

async function deliveriesWithId(id: string) {
  return await app.database.db.selectFrom("deliveries").selectAll().where("id", "=", id).execute();
}

/** The delivery's intake jobs, once the relay has moved every delivery acknowledged so far. */
async function intakeJobsOf(deliveryId: string) {
  await app.runtime.queue.intakeRelay.relayPending();
  return await app.runtime.queue.boss.findJobs(intakeQueueName, { data: { deliveryId } });
}

let issueNumber = 500;

/** An issues.labeled delivery on an issue of its own: each body differs, so none is a replay of another. */
const labeled = () => labeledIssue(++issueNumber, installationId);

/** What an answer must never show: an internal error's name or text. */
const internalText = /TypeError|Cannot read properties|relation "|deliveries_away|at \w+ \(/;

describe("signed payloads of an unexpected shape", () => {
  it("answers a signed `null` with 400, records it as rejected, and shows no internal error", async () => {
    const id = randomUUID();
    const response = await post("null", webhookHeaders("issues", "null", webhookSecret, id));

    expect(response.status).toBe(400);
    expect(response.text).not.toMatch(internalText);
    const rows = await deliveriesWithId(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.rejected_reason).toMatch(/not a JSON object/);
  });

  it("answers a signed array with 400 and records it as rejected", async () => {
    const id = randomUUID();
    const body = JSON.stringify([labeled()]);
    const response = await post(body, webhookHeaders("issues", body, webhookSecret, id));

    expect(response.status).toBe(400);
    expect(response.text).not.toMatch(internalText);
    expect(await deliveriesWithId(id)).toMatchObject([
      { rejected_reason: expect.stringMatching(/JSON object/) },
    ]);
  });

  it("answers a signed issues.labeled without its issue with 400, records why, and queues nothing", async () => {
    const payload = labeled();
    delete payload.issue;
    const body = JSON.stringify(payload);
    const id = randomUUID();
    const response = await post(body, webhookHeaders("issues", body, webhookSecret, id));

    expect(response.status).toBe(400);
    expect(response.text).not.toMatch(internalText);
    expect(JSON.parse(response.text).error).toMatch(/issues\.labeled payload .*issue/);
    const rows = await deliveriesWithId(id);
    expect(rows).toMatchObject([
      {
        event: "issues.labeled",
        repository: "Codertocat/Hello-World",
        rejected_reason: expect.stringMatching(
          /^the issues\.labeled payload does not have the expected shape: issue:/,
        ),
      },
    ]);
    expect(await intakeJobsOf(id)).toHaveLength(0);
  });

  it("answers a signed delivery without an X-GitHub-Event header with 400 and records it as rejected", async () => {
    const body = JSON.stringify(labeled());
    const id = randomUUID();
    const { "x-github-event": _, ...headers } = webhookHeaders("issues", body, webhookSecret, id);
    const response = await post(body, headers);

    expect(response.status).toBe(400);
    expect(await deliveriesWithId(id)).toMatchObject([
      { event: "unknown", rejected_reason: expect.stringMatching(/X-GitHub-Event/) },
    ]);
    expect(await intakeJobsOf(id)).toHaveLength(0);
  });

  it("still refuses a payload of a bad shape with a wrong signature (400) and records it nowhere", async () => {
    const id = randomUUID();
    const response = await post("null", webhookHeaders("issues", "null", "not-the-secret", id));

    expect(response.status).toBe(400);
    expect(await deliveriesWithId(id)).toHaveLength(0);
  });
});

describe("a database error", () => {
  it("answers 500, so the sender delivers again, without the database's error text", async () => {
    const body = JSON.stringify(labeled());
    const id = randomUUID();
    await sql`alter table deliveries rename to deliveries_away`.execute(app.database.db);
    let response: { status: number; text: string };
    try {
      response = await post(body, webhookHeaders("issues", body, webhookSecret, id));
    } finally {
      await sql`alter table deliveries_away rename to deliveries`.execute(app.database.db);
    }

    expect(response.status).toBe(500);
    expect(response.text).not.toMatch(internalText);
    expect(JSON.parse(response.text).error).toMatch(/deliver it again/);
    // Delivered again once the database is back, it is accepted.
    expect((await post(body, webhookHeaders("issues", body, webhookSecret, id))).status).toBe(200);
    expect(await intakeJobsOf(id)).toHaveLength(1);
  });
});

describe("a body over GitHub's 25 MB cap", () => {
  /** A signed issues.labeled of 60 MB (what was seen accepted): valid in every way but its size. */
  function oversized(): string {
    const payload = labeled() as { issue: { body: string } };
    payload.issue.body = "x".repeat(60 * 1024 * 1024);
    return JSON.stringify(payload);
  }

  /**
   * Sends a body in 1 MB chunks and resolves as soon as the answer's headers arrive: the server may
   * refuse and stop reading before the body is sent whole.
   */
  function send(body: string, headers: Record<string, string>) {
    return new Promise<number>((resolve, reject) => {
      let answered = false;
      const req = request(`${app.url}/api/github/webhooks`, { method: "POST", headers }, (res) => {
        answered = true;
        resolve(res.statusCode ?? 0);
        res.resume();
        req.destroy();
      });
      req.on("error", (error) => {
        if (!answered) reject(error);
      });
      const buffer = Buffer.from(body);
      for (let at = 0; at < buffer.length; at += 1024 * 1024)
        req.write(buffer.subarray(at, at + 1024 * 1024));
      req.end();
    });
  }

  it("refuses it by its Content-Length with 413 before reading it, and records nothing", async () => {
    const body = oversized();
    const id = randomUUID();
    const headers = {
      ...webhookHeaders("issues", body, webhookSecret, id),
      "content-length": String(Buffer.byteLength(body)),
    };
    expect(await send(body, headers)).toBe(413);
    expect(await deliveriesWithId(id)).toHaveLength(0);
  });

  it("refuses a chunked one (no Content-Length) with 413 once it passes the cap, and records nothing", async () => {
    const body = oversized();
    const id = randomUUID();
    const status = await send(body, {
      ...webhookHeaders("issues", body, webhookSecret, id),
      "transfer-encoding": "chunked",
    });

    expect(status).toBe(413);
    expect(await deliveriesWithId(id)).toHaveLength(0);
  });
});
