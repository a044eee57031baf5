/** One Server-Sent Event as the browser's EventSource would hand it over. */
export interface ServerSentEvent {
  event: string;
  data: string;
}

export interface EventStreamReader {
  status: number;
  headers: Headers;
  /** The first event, from the start of the stream, that `match` accepts (waits for it up to `timeoutMs`). */
  next<T = unknown>(
    match: (event: ServerSentEvent, data: T) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<T>;
  /** Every event received so far. */
  events: ServerSentEvent[];
  close(): void;
}

/**
 * Reads an event stream over fetch, parsing it as the SSE specification says (an event ends at a
 * blank line; `data:` lines join with newlines), so tests see exactly what a browser would.
 */
export async function openEventStream(
  url: string,
  headers: Record<string, string>,
): Promise<EventStreamReader> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { accept: "text/event-stream", ...headers },
    signal: abort.signal,
  });
  const events: ServerSentEvent[] = [];
  const waiters = new Set<() => void>();
  let ended = false;
  if (response.ok && response.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = "";
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end = buffer.indexOf("\n\n");
          while (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const lines = block.split("\n");
            const data = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).replace(/^ /, ""));
            const event =
              lines
                .find((l) => l.startsWith("event:"))
                ?.slice(6)
                .trim() ?? "message";
            if (data.length > 0) events.push({ event, data: data.join("\n") });
            for (const wake of waiters) wake();
            end = buffer.indexOf("\n\n");
          }
        }
      } catch {
        // Aborted by close().
      }
      ended = true;
      for (const wake of waiters) wake();
    })();
  }
  return {
    status: response.status,
    headers: response.headers,
    events,
    close: () => abort.abort(),
    next: <T>(match: (event: ServerSentEvent, data: T) => boolean, what: string, timeoutMs = 10_000) =>
      new Promise<T>((resolve, reject) => {
        const look = () => {
          for (const e of events) {
            const data = JSON.parse(e.data) as T;
            if (match(e, data)) {
              cleanup();
              resolve(data);
              return;
            }
          }
          if (ended) {
            cleanup();
            reject(new Error(`the event stream ended before ${what}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no event within ${timeoutMs} ms: ${what}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(look);
        };
        waiters.add(look);
        look();
      }),
  };
}
