import { acceptTriggerEvent } from "../../src/runs/intake.ts";
import type { TriggerEvent } from "../../src/runs/trigger-event.ts";
import type { GithubHandlerDeps } from "./deps.ts";
import { type DeliveryContext, deliveryOf } from "./trigger.ts";

/** Commits the delivery with its trigger for the intake worker, which authorizes it with GitHub. */
export async function acceptTrigger(context: DeliveryContext, deps: GithubHandlerDeps, event: TriggerEvent) {
  const outcome = await acceptTriggerEvent(deps, deliveryOf(context), event);
  deps.log.info({ deliveryId: context.id, trigger: event.kind, outcome }, "trigger accepted for intake");
}
