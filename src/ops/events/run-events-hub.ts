import type { RunChangeListener } from "./run-changes.ts";

export interface RunEventsSubscriber {
  /** Runs that changed since the last call (a step's update and its run's come as one). */
  changed(runIds: ReadonlySet<string>): void;
  /** Changes may have been missed (the database connection dropped): read everything again. */
  resync(): void;
  /** The app is stopping: end the stream. */
  closed(): void;
}

type StartListening = (listener: RunChangeListener) => Promise<{ stop(): Promise<void> }>;

/**
 * One database listener per process, shared by every open event stream: it starts with the first
 * subscriber and stops when the app does. Changes are gathered for a few milliseconds, so a step that
 * finishes (its row, then its run's cost) makes one read per stream, not three.
 */
export class RunEventsHub {
  readonly #subscribers = new Set<RunEventsSubscriber>();
  readonly #pending = new Set<string>();
  #flushTimer: NodeJS.Timeout | undefined;
  #listening: Promise<{ stop(): Promise<void> }> | undefined;
  #closed = false;

  constructor(
    private readonly startListening: StartListening,
    private readonly coalesceMs = 50,
  ) {}

  /** Resolves once the database is listened to, so a snapshot read after it misses no change. */
  async subscribe(subscriber: RunEventsSubscriber): Promise<() => void> {
    if (this.#closed) throw new Error("the app is stopping: no new event streams");
    this.#subscribers.add(subscriber);
    const unsubscribe = () => {
      this.#subscribers.delete(subscriber);
    };
    try {
      this.#listening ??= this.startListening({
        onChange: (runId) => this.#changed(runId),
        onResync: () => {
          for (const s of this.#subscribers) s.resync();
        },
      });
      await this.#listening;
    } catch (error) {
      // The next stream tries again rather than inheriting a failed start.
      this.#listening = undefined;
      unsubscribe();
      throw error;
    }
    return unsubscribe;
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#flushTimer);
    for (const s of this.#subscribers) s.closed();
    this.#subscribers.clear();
    const listening = await this.#listening?.catch(() => undefined);
    await listening?.stop();
  }

  #changed(runId: string) {
    this.#pending.add(runId);
    this.#flushTimer ??= setTimeout(() => {
      this.#flushTimer = undefined;
      const runIds = new Set(this.#pending);
      this.#pending.clear();
      for (const s of this.#subscribers) s.changed(runIds);
    }, this.coalesceMs);
  }
}
