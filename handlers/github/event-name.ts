/** What every delivery has, whether it came through a typed handler or onAny. */
export interface DeliveryContext {
  id: string;
  name: string;
  payload: unknown;
}

/** `issues.labeled` for an event with an action, the bare event name otherwise. */
export function eventName(context: Pick<DeliveryContext, "name" | "payload">): string {
  const payload = context.payload;
  const action =
    typeof payload === "object" && payload !== null && "action" in payload ? payload.action : undefined;
  return typeof action === "string" && action ? `${context.name}.${action}` : context.name;
}
