/**
 * The embedded database's own thread: PGlite runs PostgreSQL compiled to WebAssembly, synchronously, in
 * whichever thread calls it. Here it is not the thread that acknowledges webhooks, so a query that takes
 * a millisecond of WASM does not hold up every request behind it. The main thread reaches it through
 * `pglite-remote.ts`; this file only executes what it is sent.
 *
 * Node runs this file itself (type stripping, Node 22.18+), outside tsx and vitest: it must stay plain
 * erasable TypeScript that imports nothing of the app's.
 */
import { parentPort, workerData } from "node:worker_threads";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import type { ThreadReply, ThreadRequest } from "./pglite-protocol.ts";

if (!parentPort) throw new Error("pglite-thread.ts runs as a worker thread");
const port = parentPort;
const { dataDir } = workerData as { dataDir: string | undefined };

interface OpenTransaction {
  tx: Transaction;
  decide(commit: boolean): void;
  finished: Promise<void>;
}

/** Thrown inside PGlite's transaction callback so PGlite rolls back; caught again here. */
const rollbackRequested = Symbol("rollback requested");

const transactions = new Map<number, OpenTransaction>();
const listeners = new Map<number, () => Promise<void>>();
let nextId = 1;

const pglite = dataDir ? new PGlite(dataDir) : new PGlite();
pglite.waitReady.then(
  () => port.postMessage({ kind: "ready" } satisfies ThreadReply),
  (error: unknown) => port.postMessage({ kind: "failed", error: describe(error) } satisfies ThreadReply),
);

port.on("message", (request: ThreadRequest) => {
  handle(request).then(
    (value) => port.postMessage({ kind: "result", id: request.id, value } satisfies ThreadReply),
    (error: unknown) =>
      port.postMessage({ kind: "error", id: request.id, error: describe(error) } satisfies ThreadReply),
  );
});

async function handle(request: ThreadRequest): Promise<unknown> {
  switch (request.op) {
    case "query":
      return await on(request.tx).query(
        request.sql,
        request.params,
        request.rowMode ? { rowMode: request.rowMode } : {},
      );
    case "exec":
      return await on(request.tx).exec(request.sql);
    case "begin":
      return await begin();
    case "end":
      return await end(request.tx, request.commit);
    case "listen": {
      const id = nextId++;
      const unlisten = await pglite.listen(request.channel, (payload) =>
        port.postMessage({ kind: "notification", listener: id, payload } satisfies ThreadReply),
      );
      listeners.set(id, unlisten);
      return id;
    }
    case "unlisten": {
      const unlisten = listeners.get(request.listener);
      listeners.delete(request.listener);
      if (unlisten && !pglite.closed) await unlisten();
      return null;
    }
    case "close":
      if (!pglite.closed) await pglite.close();
      // Nothing more will come: letting the port go lets the thread end.
      setImmediate(() => port.close());
      return null;
  }
}

function on(txId: number | undefined): Pick<Transaction, "query" | "exec"> {
  if (txId === undefined) return pglite;
  const open = transactions.get(txId);
  if (!open) throw new Error(`transaction ${txId} is not open`);
  return open.tx;
}

/** Opens a PGlite transaction and holds it, with its lock, until the main thread ends it. */
function begin(): Promise<number> {
  const id = nextId++;
  return new Promise<number>((begun, failed) => {
    let decide: (commit: boolean) => void = () => {};
    const decision = new Promise<boolean>((resolve) => {
      decide = resolve;
    });
    let started = false;
    const finished = pglite.transaction(async (tx) => {
      started = true;
      transactions.set(id, { tx, decide, finished });
      begun(id);
      if (!(await decision)) throw rollbackRequested;
    });
    finished.catch((error: unknown) => {
      if (!started) failed(error);
    });
  });
}

async function end(txId: number, commit: boolean): Promise<null> {
  const open = transactions.get(txId);
  if (!open) throw new Error(`transaction ${txId} is not open`);
  transactions.delete(txId);
  open.decide(commit);
  try {
    await open.finished;
  } catch (error) {
    if (error !== rollbackRequested) throw error;
  }
  return null;
}

/** An error crosses threads as its message and plain fields (PostgreSQL's code, detail, constraint…). */
function describe(error: unknown): { message: string; fields: Record<string, unknown> } {
  if (!(error instanceof Error)) return { message: String(error), fields: {} };
  const fields: Record<string, unknown> = { name: error.name };
  for (const [key, value] of Object.entries(error)) {
    if (value === null || ["string", "number", "boolean"].includes(typeof value)) fields[key] = value;
  }
  return { message: error.message, fields };
}
