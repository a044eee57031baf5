import { z } from "zod";
import { trackerTriggersSchema } from "../tracker-triggers.ts";

/** Linear settings: an API key, the team, and how its workflow states map to ours. */
export const linearConfigSchema = z.strictObject({
  connection: z.strictObject({
    api_key: z.string().min(1).describe('Usually "${LINEAR_API_KEY}".'),
    api_url: z
      .url()
      .optional()
      .describe("Another GraphQL endpoint (a proxy, or a test's stand-in); Linear's own by default."),
  }),
  team_key: z.string().min(1).optional(),
  webhook_secret: z
    .string()
    .min(1)
    .optional()
    .describe("Verifies Linear-Signature on webhooks; required with triggers."),
  triggers: trackerTriggersSchema("Linear", "team")
    .extend({
      agent_user_id: z
        .string()
        .min(1)
        .optional()
        .describe("The Linear user id of the agent: assigning an issue to it starts work too."),
    })
    .optional()
    .describe(
      "Issues as triggers: moving one to statuses.trigger (or assigning it to agent_user_id) starts the default workflow (POST /api/linear/webhooks).",
    ),
  statuses: z
    .strictObject({
      trigger: z.string().min(1).default("AI Assigned"),
      todo: z.string().min(1).default("Todo"),
      in_progress: z.string().min(1).default("In Progress"),
      in_review: z.string().min(1).default("In Review"),
      done: z.string().min(1).default("Done"),
      blocked: z
        .string()
        .min(1)
        .optional()
        .describe("Where update_status(blocked) moves an issue; unset refuses it."),
    })
    .prefault({}),
});
export type LinearConfig = z.infer<typeof linearConfigSchema>;
