/**
 * Runs one load phase in a worker thread, so sending and timing requests does not compete with the
 * server under test for its event loop (which would inflate its latency by the client's own work).
 */
import { parentPort, Worker, workerData } from "node:worker_threads";
import { type LoadResult, type LoadSpec, runLoad } from "./load.ts";

if (parentPort && workerData?.kind === "load") {
  const port = parentPort;
  const result = await runLoad(workerData.spec as LoadSpec);
  port.postMessage(result, [result.latencies.buffer as ArrayBuffer]);
}

/** One load phase in its own thread; resolves with what it measured. */
export async function runLoadInWorker(spec: LoadSpec): Promise<LoadResult> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { kind: "load", spec } });
  try {
    return await new Promise<LoadResult>((resolve, reject) => {
      worker.once("message", (result: LoadResult) => resolve(result));
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`load worker exited with ${code} before answering`)));
    });
  } finally {
    await worker.terminate();
  }
}
