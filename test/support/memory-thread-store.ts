import type { RunThreadStore } from "../../src/plugins/communication.ts";

/** Runs' threads in a Map, for adapter tests that need no database (the app's store is run-threads.ts). */
export function memoryThreadStore(): RunThreadStore {
  const threads = new Map<string, string>();
  const key = (runId: string, channel: string) => `${runId}\n${channel}`;
  return {
    get: async (runId, channel) => threads.get(key(runId, channel)),
    remember: async (runId, channel, threadId) => {
      const first = threads.get(key(runId, channel)) ?? threadId;
      threads.set(key(runId, channel), first);
      return first;
    },
  };
}
