import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeApiTestConfig } from "../support/api-config.ts";
import { startTestApp, type TestApp } from "../support/app-harness.ts";

const operator = "operator-token-0123456789abcdef";
const rateLimit = 30;
let app: TestApp;
let dir: string;
beforeAll(async () => {
  let config: string;
  ({ dir, config } = writeApiTestConfig("ai-dev-session-", rateLimit));
  app = await startTestApp({ worker: false, apiTokens: [operator], env: { AI_DEV_CONFIG: config } });
});
afterAll(async () => {
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, route: string, headers: Record<string, string> = {}, body?: unknown) {
  const response = await fetch(`${app.url}/api/v1${route}`, {
    method,
    headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    // biome-ignore lint/suspicious/noExplicitAny: each test reads the fields of its own answer
    body: (text ? JSON.parse(text) : null) as any,
  };
}

async function newToken(name: string, scopes: string[]) {
  const created = await call("POST", "/tokens", { authorization: `Bearer ${operator}` }, { name, scopes });
  return created.body as { token: string; record: { id: string } };
}

/** Logs in as the dashboard does; the cookie to send back. */
async function login(token: string) {
  const answer = await call("POST", "/session", { authorization: `Bearer ${token}` });
  expect(answer.status).toBe(201);
  const setCookie = answer.headers.get("set-cookie") ?? "";
  return { answer, setCookie, cookie: setCookie.split(";")[0] ?? "" };
}

describe("dashboard sessions", () => {
  it("makes an HttpOnly, SameSite=Strict cookie from a token, stored only as a digest", async () => {
    const { token } = await newToken("laptop", ["write"]);
    const { answer, setCookie, cookie } = await login(token);
    expect(answer.body).toMatchObject({ name: "laptop", scopes: ["read"] });
    expect(setCookie).toMatch(/^aidev_session=[\w-]{43}; /);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).toContain("Path=/api/v1");
    expect(setCookie).not.toContain("Secure"); // plain http here; behind TLS it is Secure
    const value = cookie.split("=")[1] ?? "";
    const stored = await app.database.db.selectFrom("api_sessions").selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(value);
    expect((await call("GET", "/runs", { cookie })).status).toBe(200);
  });

  it("is read-only: a write route answers 403 even when the token could write", async () => {
    const { token } = await newToken("writer", ["write"]);
    const { cookie } = await login(token);
    const cancel = await call("POST", "/runs/some-run/cancel", { cookie });
    expect(cancel.status).toBe(403);
    expect(cancel.body.error).toContain("`write` scope");
    // A session cannot make another session: that takes the token itself.
    expect((await call("POST", "/session", { cookie })).status).toBe(403);
  });

  it("ends when its token is revoked, and on logout", async () => {
    const { token, record } = await newToken("short-lived", ["read"]);
    const first = await login(token);
    const second = await login(token);
    await call("DELETE", `/tokens/${record.id}`, { authorization: `Bearer ${operator}` });
    expect((await call("GET", "/runs", { cookie: first.cookie })).status).toBe(401);

    const other = await newToken("other", ["read"]);
    const third = await login(other.token);
    const out = await call("DELETE", "/session", { cookie: third.cookie });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/^aidev_session=;.*Max-Age=0/);
    expect((await call("GET", "/runs", { cookie: third.cookie })).status).toBe(401);
    expect((await call("GET", "/runs", { cookie: second.cookie })).status).toBe(401);
  });

  it("refuses bad input (400 with the fields), a missing or wrong token (401) and a flood (429)", async () => {
    const bad = await call(
      "POST",
      "/session",
      { authorization: `Bearer ${operator}` },
      { expiresInMinutes: 1 },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toEqual([{ path: "expiresInMinutes", message: expect.any(String) }]);
    expect((await call("POST", "/session")).status).toBe(401);
    expect((await call("POST", "/session", { authorization: "Bearer aidev_nope" })).status).toBe(401);
    expect((await call("GET", "/runs", { cookie: "aidev_session=forged" })).status).toBe(401);

    const { token } = await newToken("flood", ["read"]);
    let last = 0;
    for (let i = 0; i <= rateLimit && last !== 429; i++) {
      last = (await call("POST", "/session", { authorization: `Bearer ${token}` })).status;
    }
    expect(last).toBe(429);
  });
});
