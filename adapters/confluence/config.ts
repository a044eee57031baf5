import { z } from "zod";

/** Confluence Cloud: where documentation pages are written. */
export const confluenceConfigSchema = z.strictObject({
  connection: z.strictObject({
    url: z.url(),
    email: z.email(),
    api_token: z.string().min(1),
  }),
  space_key: z.string().min(1),
  parent_page_id: z.string().regex(/^\d+$/, "a numeric page id").optional(),
});
export type ConfluenceConfig = z.infer<typeof confluenceConfigSchema>;
