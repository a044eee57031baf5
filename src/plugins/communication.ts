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
