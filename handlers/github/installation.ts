import { insertDelivery } from "../../src/runs/intake.ts";
import type { GithubHandlerDeps } from "./deps.ts";
import type { EventRegistrar } from "./event-routes.ts";
import { installationEventSchema, parsedPayload } from "./payload-schemas.ts";
import { deliveryOf } from "./trigger.ts";

/** `installation` events keep the installations table current: created, deleted, suspended, resumed. */
export function registerInstallationHandlers(app: EventRegistrar, deps: GithubHandlerDeps): void {
  app.on("installation", async (context) => {
    const payload = parsedPayload(installationEventSchema, context);
    const { installation } = payload;
    const account = installation.account;
    const now = new Date();
    await deps.db.transaction().execute(async (trx) => {
      if (!(await insertDelivery(trx, deliveryOf(context)))) return;
      const row = {
        account_login: account?.login ?? account?.slug ?? "unknown",
        account_type: account?.type ?? "Enterprise",
        repository_selection: installation.repository_selection ?? null,
        suspended_at: installation.suspended_at ? new Date(installation.suspended_at) : null,
        deleted_at: payload.action === "deleted" ? now : null,
        updated_at: now,
      };
      await trx
        .insertInto("installations")
        .values({ id: installation.id, ...row })
        .onConflict((oc) => oc.column("id").doUpdateSet(row))
        .execute();
    });
    deps.log.info(
      { deliveryId: context.id, installationId: installation.id, action: payload.action },
      "installation updated",
    );
  });
}
