import { z } from "zod";

/** Linear settings: an API key, the team, and how its workflow states map to ours. */
export const linearConfigSchema = z.strictObject({
  connection: z.strictObject({
    api_key: z.string().min(1).describe('Usually "${LINEAR_API_KEY}".'),
  }),
  team_key: z.string().min(1).optional(),
  webhook_secret: z.string().min(1).optional().describe("Verifies Linear-Signature on webhooks."),
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
