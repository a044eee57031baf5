import { z } from "zod";
import type { ActionSpec, AdapterFor } from "./action-spec.ts";

export const communicationActions = {
  notify: {
    description: "Posts a short message to the team's channel.",
    input: z.strictObject({
      message: z.string().min(1),
      level: z.enum(["info", "success", "warning", "error"]).default("info"),
      channel: z.string().optional().describe("The adapter's configured channel if absent."),
    }),
    output: z.object({ delivered: z.boolean(), message_id: z.string().nullable().default(null) }),
    sideEffects: true,
  },
} satisfies Record<string, ActionSpec>;

/** The plan's action names, as aliases of the catalog's (see taskManagementAliases). */
export const communicationAliases = {
  send_message: "notify",
} as const satisfies Record<string, keyof typeof communicationActions>;

export type CommunicationAdapter = AdapterFor<typeof communicationActions>;

/**
 * Where a run's conversation thread is remembered, per channel: the first message of a run starts a
 * thread, and every later one replies in it, also after a restart (the app keeps it in its database).
 */
export interface RunThreadStore {
  /** The thread the run's messages in `channel` reply in; undefined before the run's first message there. */
  get(runId: string, channel: string): Promise<string | undefined>;
  /**
   * Remembers the run's first message in `channel` as its thread. When another message was remembered
   * first (two posted at once), that one stays the thread and is returned.
   */
  remember(runId: string, channel: string, threadId: string): Promise<string>;
}

/**
 * Answers to a chat command given after its request was answered (the work was checked and queued
 * later): at the address the command came with, seen only by the person who asked.
 */
export interface ChatReplies {
  reply(address: string, text: string): Promise<void>;
}
