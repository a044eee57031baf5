import type { Kysely } from "kysely";
import type { Probot } from "probot";
import type { Database } from "../src/db/schema.ts";
import type { Logger } from "../src/logging/logger.ts";
import { recordDelivery } from "../src/runs/deliveries.ts";

export interface GithubHandlerDeps {
  db: Kysely<Database>;
  log: Logger;
}

/**
 * GitHub webhooks. Probot has already checked X-Hub-Signature-256 against the raw body and parsed it,
 * so everything here is signed by GitHub. GitHub gives a delivery 10 s and never retries it by itself:
 * the delivery is committed before the 2xx goes out, and a database error answers 500 so it can be
 * redelivered.
 */
export function registerGithubHandlers(app: Probot, deps: GithubHandlerDeps): void {
  app.onAny(async (context) => {
    const payload = context.payload as {
      action?: string;
      installation?: { id: number };
      repository?: { full_name: string };
    };
    const event = payload.action ? `${context.name}.${payload.action}` : context.name;
    const isNew = await recordDelivery(deps.db, {
      id: context.id,
      source: "github",
      event,
      installation_id: payload.installation?.id ?? null,
      repository: payload.repository?.full_name ?? null,
    });
    deps.log.info({ deliveryId: context.id, event, duplicate: !isNew }, "delivery recorded");
  });
}
