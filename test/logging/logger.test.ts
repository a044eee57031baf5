import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/logging/logger.ts";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination };
}

describe("logger", () => {
  it("redacts tokens, keys and Authorization headers by field name", () => {
    const { lines, destination } = capture();
    const log = createLogger({ destination });
    log.info(
      {
        req: { headers: { authorization: "Bearer ghs_abcdefghijklmnop", "x-api-key": "sk-ant-live-1" } },
        installation: { token: "ghs_installationtoken" },
        token: "top-level-token",
        config: { api_key: "sk-ant-live-2", password: "hunter22" },
      },
      "request finished",
    );
    const out = lines.join("");
    for (const secret of [
      "ghs_abcdefghijklmnop",
      "sk-ant-live-1",
      "ghs_installationtoken",
      "top-level-token",
      "sk-ant-live-2",
      "hunter22",
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain("[Redacted]");
    expect(JSON.parse(out).msg).toBe("request finished");
  });

  it("scrubs known secret values wherever they appear, in messages and errors too", () => {
    const { lines, destination } = capture();
    const secret = "sk-ant-api03-SECRETVALUE";
    const log = createLogger({ destination, secrets: [secret] });
    log.error(
      { err: new Error(`upstream said: bad key ${secret}`), url: `https://x.test/?key=${secret}` },
      "call failed",
    );
    log.info(`interpolated ${secret} by mistake`);
    const out = lines.join("");
    expect(out).not.toContain(secret);
    expect(out.match(/\[Redacted\]/g)?.length).toBeGreaterThanOrEqual(3);
  });

  it("logs an error without the webhook payload or the HTTP request it carries", () => {
    const { lines, destination } = capture();
    const error = Object.assign(new Error("signature does not match event payload and secret"), {
      event: { id: "d-1", name: "issues", payload: { issue: { body: "private text" } } },
      request: {
        method: "POST",
        url: "https://api.github.com/x",
        headers: { authorization: "token ghs_abc" },
        body: "{}",
      },
      response: { status: 401, url: "https://api.github.com/x", data: { message: "Bad credentials" } },
    });
    createLogger({ destination }).error(error, "webhook refused");
    const out = lines.join("");
    expect(out).not.toContain("private text");
    expect(out).not.toContain("ghs_abc");
    expect(out).not.toContain("Bad credentials");
    expect(JSON.parse(out).err).toMatchObject({
      message: "signature does not match event payload and secret",
      request: { method: "POST", url: "https://api.github.com/x" },
      response: { status: 401 },
    });
  });

  it("keeps one child logger's fields on every line", () => {
    const { lines, destination } = capture();
    createLogger({ destination }).child({ deliveryId: "d-1" }).info({ step: "a" }, "step finished");
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
      deliveryId: "d-1",
      step: "a",
      msg: "step finished",
    });
  });
});
