import { createServer, request, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { readCappedBody } from "../../src/server/read-capped-body.ts";

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

const cap = 1024 * 1024;

/** A server that reads bodies with the cap and says how many bytes its socket had read when it decided. */
async function serve(): Promise<{ url: string; decisions: { kind: string; bytesRead: number }[] }> {
  const decisions: { kind: string; bytesRead: number }[] = [];
  server = createServer(async (req, res) => {
    const result = await readCappedBody(req, cap);
    decisions.push({ kind: result.kind, bytesRead: req.socket.bytesRead });
    res.writeHead(result.kind === "too_large" ? 413 : 200).end(result.kind === "body" ? result.body : "");
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`, decisions };
}

/** Streams 64 KB chunks, waiting for the socket to take each, until the server answers (or 64 MB). */
function sendEndless(url: string): Promise<{ status: number; sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(url, { method: "POST", headers: { "transfer-encoding": "chunked" } }, (res) => {
      answered = true;
      resolve({ status: res.statusCode ?? 0, sent });
      res.resume();
      req.destroy();
    });
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    const chunk = Buffer.alloc(64 * 1024, 120);
    const pump = () => {
      while (!answered && sent < 64 * 1024 * 1024) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe("readCappedBody", () => {
  it("stops reading a streamed body without an end once it passes the cap", async () => {
    const { url, decisions } = await serve();
    const { status } = await sendEndless(url);

    expect(status).toBe(413);
    expect(decisions).toHaveLength(1);
    expect(decisions[0]?.kind).toBe("too_large");
    // The cap, one chunk of framing and socket read-ahead: never the sender's whole 64 MB.
    expect(decisions[0]?.bytesRead).toBeLessThan(cap + 512 * 1024);
  });

  it("refuses a declared Content-Length over the cap before reading any of the body", async () => {
    const { url, decisions } = await serve();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url, { method: "POST", headers: { "content-length": String(cap + 1) } }, (res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
        req.destroy();
      });
      req.on("error", reject);
      req.end(Buffer.alloc(cap + 1, 120));
    });

    expect(status).toBe(413);
    expect(decisions[0]).toMatchObject({ kind: "too_large" });
    // Only what arrived with the headers, never the rest.
    expect(decisions[0]?.bytesRead).toBeLessThan(cap);
  });

  it("returns a body within the cap whole", async () => {
    const { url } = await serve();
    const body = "y".repeat(cap);
    const response = await fetch(url, { method: "POST", body });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(body);
  });
});
