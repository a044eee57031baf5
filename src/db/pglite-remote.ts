import { Worker } from "node:worker_threads";
import type { ThreadError, ThreadReply, ThreadRequest } from "./pglite-protocol.ts";

type Request = ThreadRequest extends infer R ? (R extends ThreadRequest ? Omit<R, "id"> : never) : never;

export interface RemoteResults<T> {
  rows: T[];
  affectedRows?: number;
  fields: { name: string; dataTypeID: number }[];
}

type QueryOptions = { rowMode?: "array" | "object" };

/** The part of a PGlite transaction kysely's PGliteDialect uses. */
export interface RemoteTransaction {
  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<RemoteResults<T>>;
  exec(sql: string): Promise<RemoteResults<unknown>[]>;
  rollback(): Promise<void>;
}

/**
 * PGlite, run in a worker thread of this process (`pglite-thread.ts`), behind the calls the app makes of
 * it: kysely's PGliteDialect (query, transaction), pg-boss's `fromPglite` (query, exec, listen) and the
 * run-events listener. Still one process per data directory and one PostgreSQL session, as PGlite is;
 * what changes is that its WebAssembly no longer runs in the thread that serves HTTP.
 */
export class RemotePGlite {
  readonly waitReady: Promise<void>;
  /**
   * Settles when the thread ended without being closed (a WebAssembly abort, an out-of-memory end): every
   * later query fails, so the process should end and be started again rather than serve without it.
   */
  readonly lost: Promise<Error>;
  ready = false;
  closed = false;
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  readonly #listeners = new Map<number, (payload: string) => void>();
  #nextId = 1;
  #stopped: Error | undefined;
  #closeRequested = false;
  readonly #lose: (error: Error) => void;

  /** `thread` is the module the worker runs: this directory's pglite-thread.ts, but in tests. */
  constructor(dataDir: string | undefined, thread = new URL("./pglite-thread.ts", import.meta.url)) {
    const lost = Promise.withResolvers<Error>();
    this.lost = lost.promise;
    this.#lose = lost.resolve;
    this.#worker = new Worker(thread, { workerData: { dataDir } });
    this.waitReady = new Promise<void>((resolve, reject) => {
      this.#worker.on("message", (reply: ThreadReply) => {
        if (reply.kind === "ready") {
          this.ready = true;
          // Like PGlite in this thread, an idle database does not keep the process alive; starting, or a
          // call in flight, does.
          if (this.#pending.size === 0) this.#worker.unref();
          resolve();
        } else if (reply.kind === "failed") {
          reject(toError(reply.error));
          void this.#worker.terminate();
        } else this.#received(reply);
      });
      this.#worker.on("error", (error) => this.#stop(error, reject));
      this.#worker.on("exit", (code) =>
        this.#stop(new Error(`the embedded database's thread ended (exit code ${code})`), reject),
      );
    });
    // A failed start is reported by whoever awaits waitReady; not awaiting it must not crash the process.
    this.waitReady.catch(() => {});
  }

  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<RemoteResults<T>> {
    return this.#query<T>(undefined, sql, params, options);
  }

  exec(sql: string): Promise<RemoteResults<unknown>[]> {
    return this.#exec(undefined, sql);
  }

  /**
   * Runs `callback` in one transaction, holding PGlite's lock as PGlite's own `transaction` does: other
   * queries wait in the database thread until it commits, or rolls back when the callback throws.
   */
  async transaction<T>(callback: (tx: RemoteTransaction) => Promise<T>): Promise<T> {
    const tx = (await this.#call({ op: "begin" })) as number;
    let ended = false;
    const endWith = async (commit: boolean) => {
      if (ended) return;
      ended = true;
      await this.#call({ op: "end", tx, commit });
    };
    const handle: RemoteTransaction = {
      query: (sql, params, options) => this.#query(tx, sql, params, options),
      exec: (sql) => this.#exec(tx, sql),
      rollback: () => endWith(false),
    };
    let result: T;
    try {
      result = await callback(handle);
    } catch (error) {
      await endWith(false).catch(() => {});
      throw error;
    }
    await endWith(true);
    return result;
  }

  async listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>> {
    const listener = (await this.#call({ op: "listen", channel })) as number;
    this.#listeners.set(listener, callback);
    return async () => {
      this.#listeners.delete(listener);
      if (!this.closed) await this.#call({ op: "unlisten", listener });
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.#closeRequested = true;
    const exited = new Promise<void>((resolve) => this.#worker.once("exit", () => resolve()));
    try {
      await this.#call({ op: "close" }, { evenIfClosed: true });
    } finally {
      // The thread lets go of its port once PGlite has closed; if it does not within a moment, end it.
      const timer = setTimeout(() => void this.#worker.terminate(), 5_000);
      await exited;
      clearTimeout(timer);
    }
  }

  /** A statement on the instance (`tx` undefined) or inside the open transaction `tx`. */
  #query<T>(
    tx: number | undefined,
    sql: string,
    params?: unknown[],
    options?: QueryOptions,
  ): Promise<RemoteResults<T>> {
    const request = { op: "query", sql, params, rowMode: options?.rowMode } as const;
    return this.#call(tx === undefined ? request : { ...request, tx }) as Promise<RemoteResults<T>>;
  }

  #exec(tx: number | undefined, sql: string): Promise<RemoteResults<unknown>[]> {
    const request = { op: "exec", sql } as const;
    return this.#call(tx === undefined ? request : { ...request, tx }) as Promise<RemoteResults<unknown>[]>;
  }

  #call(request: Request, { evenIfClosed = false } = {}): Promise<unknown> {
    if (this.#closeRequested && !evenIfClosed) return Promise.reject(new Error("PGlite is closed"));
    if (this.#stopped) return Promise.reject(this.#stopped);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...request, id } as ThreadRequest);
    });
  }

  #received(reply: Exclude<ThreadReply, { kind: "ready" } | { kind: "failed" }>) {
    if (reply.kind === "notification") {
      this.#listeners.get(reply.listener)?.(reply.payload);
      return;
    }
    const pending = this.#pending.get(reply.id);
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0 && this.ready) this.#worker.unref();
    if (reply.kind === "result") pending?.resolve(reply.value);
    else pending?.reject(toError(reply.error));
  }

  #stop(error: Error, rejectReady: (error: Error) => void) {
    if (this.#stopped) return;
    this.#stopped = error;
    if (!this.#closeRequested && this.ready) this.#lose(error);
    this.closed = true;
    rejectReady(error);
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}

/** The database's error again, with PostgreSQL's fields (code, detail, constraint…) where callers look. */
function toError({ message, fields }: ThreadError): Error {
  return Object.assign(new Error(message), fields);
}
