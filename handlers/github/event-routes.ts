import type { Probot } from "probot";
import { type DeliveryContext, eventName } from "./event-name.ts";

/** What the handler files register with: Probot's own `app.on`, so each keeps its typed context. */
export type EventRegistrar = Pick<Probot, "on">;

/** A registered handler, called with the context Probot built for the event it was registered for. */
type RouteHandler = (context: unknown) => unknown;

/**
 * The GitHub handlers behind one Probot hook. The handler files register here with `on`, as they would
 * with Probot, and what they registered is also the one list of the events the app acts on: any other
 * event is recorded once. One hook also means one context per delivery: @octokit/webhooks builds one,
 * with an installation Octokit and a child logger, for every hook an event matches, and a handled event
 * used to match its own hook and the catch-all recording one.
 */
export class EventRoutes implements EventRegistrar {
  readonly #routes = new Map<string, RouteHandler[]>();

  readonly on: Probot["on"] = (events, handler) => {
    for (const event of Array.isArray(events) ? events : [events]) {
      const handlers = this.#routes.get(event) ?? [];
      handlers.push(handler as unknown as RouteHandler);
      this.#routes.set(event, handlers);
    }
  };

  /** The handlers registered for this delivery's event; none for an event the app only records. */
  handlersOf(context: Pick<DeliveryContext, "name" | "payload">): RouteHandler[] {
    const withAction = eventName(context);
    return [
      ...(this.#routes.get(withAction) ?? []),
      ...(withAction === context.name ? [] : (this.#routes.get(context.name) ?? [])),
    ];
  }
}
