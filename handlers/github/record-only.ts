import { insertDelivery } from "../../src/runs/intake.ts";
import type { GithubHandlerDeps } from "./deps.ts";
import { type DeliveryContext, deliveryOf } from "./trigger.ts";

/** A signed delivery that asks for nothing is still recorded once, so every accepted event is accounted for. */
export async function recordOnly(context: DeliveryContext, deps: GithubHandlerDeps): Promise<void> {
  const isNew = await insertDelivery(deps.db, deliveryOf(context));
  deps.log.debug({ deliveryId: context.id, duplicate: !isNew }, "delivery recorded");
}
