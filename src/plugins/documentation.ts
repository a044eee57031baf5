import { z } from "zod";
import type { ActionSpec, AdapterFor } from "./action-spec.ts";

export const documentationActions = {
  update_page: {
    description: "Creates or updates a documentation page by title (or id) with Markdown content.",
    input: z.strictObject({
      title: z.string().min(1),
      content: z.string().min(1).describe("Markdown; the adapter converts it to the service's format."),
      page_id: z.string().optional(),
      space: z
        .string()
        .optional()
        .describe("Where a new page goes; the adapter's configured space if absent."),
    }),
    output: z.object({ page_id: z.string(), url: z.string(), created: z.boolean() }),
    sideEffects: true,
  },
} satisfies Record<string, ActionSpec>;

export type DocumentationAdapter = AdapterFor<typeof documentationActions>;
