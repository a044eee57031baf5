import type { IncomingMessage } from "node:http";

export type CappedBody = { kind: "body"; body: Buffer } | { kind: "too_large" };

/**
 * A request's body, or "too_large" as soon as it passes `maxBytes`: refused by its Content-Length before
 * a byte is read, and counted as it streams (a chunked body declares no length), so an oversized body is
 * never held in memory. Once it is too large the rest is left unread; the caller answers and closes.
 */
export async function readCappedBody(req: IncomingMessage, maxBytes: number): Promise<CappedBody> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) return { kind: "too_large" };
  return await new Promise<CappedBody>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        stop();
        req.pause();
        resolve({ kind: "too_large" });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve({ kind: "body", body: Buffer.concat(chunks, size) });
    };
    const onError = (error: Error) => {
      stop();
      reject(new Error("the request body could not be read", { cause: error }));
    };
    const stop = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}
