import { isApiError, isRateLimitError } from "confluence.js";
import { createClient } from "confluence.js/core";
import { z } from "zod";
import type { DocumentationAdapter } from "../../src/plugins/documentation.ts";
import { type VendorCallOptions, type VendorFailure, vendorCall } from "../vendor-call.ts";
import type { ConfluenceConfig } from "./config.ts";
import { markdownToStorage } from "./storage-format.ts";

export { confluenceConfigSchema } from "./config.ts";

export interface ConfluenceAdapterOptions
  extends Pick<VendorCallOptions, "sleep" | "maxRetries" | "maxWaitMs"> {
  settings: ConfluenceConfig;
  configFile?: string | undefined;
}

const pageSchema = z.object({
  id: z.string(),
  title: z.string(),
  version: z.object({ number: z.number() }).optional(),
  _links: z.object({ webui: z.string().optional(), base: z.string().optional() }).partial().optional(),
});
const searchSchema = z.object({ results: z.array(pageSchema) });

/**
 * The documentation slot on Confluence Cloud: a page is found by its title in the space first, so a
 * second run updates it (version + 1) instead of adding a duplicate.
 */
export function confluenceDocumentation(options: ConfluenceAdapterOptions): DocumentationAdapter {
  const { settings } = options;
  const { connection } = settings;
  const client = createClient({
    host: connection.url,
    auth: { type: "basic", email: connection.email, apiToken: connection.api_token },
  });
  const site = connection.url.replace(/\/+$/, "");
  const credentials = `connection.email and connection.api_token in ${options.configFile ?? "the Confluence plugin's configuration"}`;
  const send = (what: string, request: Parameters<typeof client.sendRequest>[0], signal: AbortSignal) =>
    vendorCall(what, () => client.sendRequest(request), {
      ...options,
      vendor: "Confluence",
      credentials,
      classify: confluenceFailure,
      signal,
    });
  const pageUrl = (page: z.infer<typeof pageSchema>) =>
    page._links?.webui
      ? `${page._links.base ?? `${site}/wiki`}${page._links.webui}`
      : `${site}/wiki/pages/viewpage.action?pageId=${page.id}`;

  return {
    async update_page({ title, content, page_id, space }, ctx) {
      const spaceKey = space ?? settings.space_key;
      const body = { storage: { value: markdownToStorage(content), representation: "storage" } };
      let existing: z.infer<typeof pageSchema> | undefined;
      if (page_id) {
        existing = pageSchema.parse(
          await send(
            `read the Confluence page ${page_id}`,
            {
              url: `/wiki/rest/api/content/${encodeURIComponent(page_id)}`,
              method: "GET",
              searchParams: { expand: "version" },
            },
            ctx.signal,
          ),
        );
      } else {
        const found = searchSchema.parse(
          await send(
            `look for the page "${title}" in the Confluence space ${spaceKey}`,
            {
              url: "/wiki/rest/api/content",
              method: "GET",
              searchParams: { spaceKey, title, type: "page", expand: "version" },
            },
            ctx.signal,
          ),
        );
        existing = found.results[0];
      }
      if (existing) {
        const updated = pageSchema.parse(
          await send(
            `update the Confluence page "${title}"`,
            {
              url: `/wiki/rest/api/content/${encodeURIComponent(existing.id)}`,
              method: "PUT",
              body: {
                id: existing.id,
                type: "page",
                title,
                version: { number: (existing.version?.number ?? 1) + 1 },
                body,
              },
            },
            ctx.signal,
          ),
        );
        return { page_id: updated.id, url: pageUrl(updated), created: false };
      }
      const created = pageSchema.parse(
        await send(
          `create the Confluence page "${title}" in ${spaceKey}`,
          {
            url: "/wiki/rest/api/content",
            method: "POST",
            body: {
              type: "page",
              title,
              space: { key: spaceKey },
              ...(settings.parent_page_id ? { ancestors: [{ id: settings.parent_page_id }] } : {}),
              body,
            },
          },
          ctx.signal,
        ),
      );
      return { page_id: created.id, url: pageUrl(created), created: true };
    },
  };
}

function confluenceFailure(error: unknown): VendorFailure | undefined {
  if (!isApiError(error)) return undefined;
  const body = error.body as { message?: unknown } | undefined;
  return {
    status: error.status,
    retryAfterMs: isRateLimitError(error) ? error.retryAfterMs : undefined,
    detail: typeof body?.message === "string" ? body.message : undefined,
  };
}
