/**
 * A scripted Messages API for tests, benches and the demo: a local HTTP server that answers
 * POST /v1/messages from a script, in the shapes of the recorded payloads in test/fixtures/anthropic,
 * and records what it received (with when it arrived and when it was answered).
 *
 *   const api = await startScriptedAnthropic({ simulateCache: true });
 *   api.push({ reply: message }, { status: 529, body: overloaded }, { drop: true });
 *   const anthropic = new Anthropic({ apiKey: "test-key", baseURL: api.url, maxRetries: 0 });
 *   ...
 *   api.requests[0].body      // the parsed JSON the SDK sent;  .rawBody is the exact bytes
 *   await api.close();
 *
 * Steps are used one per request, in order:
 *   { reply: Message }             the message as JSON, or as SSE when the request asked to stream
 *   { reply, heldUntil: promise }  the same, sent once the test settles the promise (a run seen mid-call)
 *   { sse: string }                raw SSE text, e.g. the recorded stream.tool_use.sse
 *   { status, body, headers? }     an error answer: 429, 529, 500, 400 ... (body: object or string)
 *   { drop: true }                 the socket is destroyed without an answer (a dropped connection)
 *   { malformed: true }            200 with a body that is not JSON
 *   { hang: true, sse? }           no answer until the client gives up (a timeout, an abort); with `sse`,
 *                                  a stream that sends that text (e.g. message_start) and then stalls
 * A request with no step left gets a 500 whose message says so, and `unexpected` counts it.
 * Both `x-api-key` and `Authorization: Bearer` are accepted; a request with neither gets a 401.
 * With `simulateCache`, a reply's input and cache usage are computed from the request by
 * SimulatedPromptCache (output_tokens stay the script's), so caching tests measure our breakpoints.
 */
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SimulatedPromptCache, type SimulatedUsage } from "./simulated-cache.ts";
import { sseFromMessage } from "./sse.ts";

type Json = Record<string, unknown>;

export type ScriptStep =
  | { reply: Json; heldUntil?: Promise<unknown> }
  | { sse: string }
  | { status: number; body: Json | string; headers?: Record<string, string> }
  | { drop: true }
  | { malformed: true }
  | { hang: true; sse?: string };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: Json;
  /** When the request arrived, on this process's `performance.now()` clock. */
  at: number;
  /** When its answer was sent in full (undefined until then, and for a hang or a drop). */
  answeredAt?: number;
  /** With `simulateCache`, the usage its reply carried (what the API would have read from the cache). */
  usage?: SimulatedUsage;
}

export interface ScriptedAnthropic {
  /** The base URL to give the SDK (ANTHROPIC_BASE_URL or baseURL). */
  url: string;
  requests: RecordedRequest[];
  /** Requests that found no step left. */
  unexpected: number;
  push(...steps: ScriptStep[]): void;
  /** Steps not used yet. */
  remaining(): number;
  close(): Promise<void>;
}

export async function startScriptedAnthropic(
  options: { simulateCache?: boolean } = {},
): Promise<ScriptedAnthropic> {
  const steps: ScriptStep[] = [];
  const cache = options.simulateCache ? new SimulatedPromptCache() : undefined;
  let served = 0;
  const state = { requests: [] as RecordedRequest[], unexpected: 0 };

  const server: Server = createServer(async (req, res) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString("utf8");
    let body: Json = {};
    try {
      body = rawBody ? (JSON.parse(rawBody) as Json) : {};
    } catch {
      body = {};
    }
    const recorded: RecordedRequest = {
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      rawBody,
      body,
      at,
    };
    state.requests.push(recorded);
    res.once("finish", () => {
      recorded.answeredAt = performance.now();
    });
    served += 1;
    const requestId = `req_scripted_${String(served).padStart(4, "0")}`;

    const apiKey = req.headers["x-api-key"];
    const bearer = req.headers.authorization?.startsWith("Bearer ");
    if (!apiKey && !bearer) {
      return sendJson(res, 401, requestId, {
        type: "error",
        error: { type: "authentication_error", message: "x-api-key header is required" },
      });
    }
    const step = steps.shift();
    if (!step) {
      state.unexpected += 1;
      return sendJson(res, 500, requestId, {
        type: "error",
        error: {
          type: "api_error",
          message: `scripted server: no step left for request ${served} to ${req.url}`,
        },
      });
    }
    if ("hang" in step) {
      // Kept open until the client closes it (close() ends every connection left).
      if (step.sse !== undefined) {
        res.writeHead(200, { "content-type": "text/event-stream", "request-id": requestId });
        res.write(step.sse);
      }
      return;
    }
    if ("drop" in step) {
      req.socket.destroy();
      return;
    }
    if ("malformed" in step) {
      res.writeHead(200, { "content-type": "application/json", "request-id": requestId });
      res.end('{"id":"msg_broken","type":"message","content":[');
      return;
    }
    if ("status" in step) {
      const text = typeof step.body === "string" ? step.body : JSON.stringify(step.body);
      res.writeHead(step.status, {
        "content-type": "application/json",
        "request-id": requestId,
        ...step.headers,
      });
      res.end(text);
      return;
    }
    if ("sse" in step) {
      res.writeHead(200, { "content-type": "text/event-stream", "request-id": requestId });
      res.end(step.sse);
      return;
    }
    if ("heldUntil" in step) await step.heldUntil;
    if (cache) recorded.usage = cache.usageFor(body);
    const reply = recorded.usage ? withUsage(step.reply, recorded.usage) : step.reply;
    if (body.stream === true) {
      res.writeHead(200, { "content-type": "text/event-stream", "request-id": requestId });
      res.end(sseFromMessage(reply));
      return;
    }
    sendJson(res, 200, requestId, reply);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    get unexpected() {
      return state.unexpected;
    },
    push: (...more) => {
      steps.push(...more);
    },
    remaining: () => steps.length,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function withUsage(message: Json, simulated: object): Json {
  const usage = (message.usage ?? {}) as Json;
  return { ...message, usage: { ...usage, ...simulated } };
}

function sendJson(
  res: import("node:http").ServerResponse,
  status: number,
  requestId: string,
  body: Json,
): void {
  res.writeHead(status, { "content-type": "application/json", "request-id": requestId });
  res.end(JSON.stringify(body));
}
