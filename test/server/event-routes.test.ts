import { describe, expect, it } from "vitest";
import { EventRoutes } from "../../handlers/github/event-routes.ts";

describe("the GitHub handlers behind one hook", () => {
  const routes = new EventRoutes();
  const labeled = async () => "labeled";
  const installation = async () => "installation";
  routes.on("issues.labeled", labeled);
  routes.on(["installation", "installation_repositories.added"], installation);

  it("routes an event to the handlers of its name.action and of its name", () => {
    expect(routes.handlersOf({ name: "issues", payload: { action: "labeled" } })).toEqual([labeled]);
    expect(routes.handlersOf({ name: "installation", payload: { action: "suspend" } })).toEqual([
      installation,
    ]);
    expect(routes.handlersOf({ name: "installation_repositories", payload: { action: "added" } })).toEqual([
      installation,
    ]);
  });

  it("has no handler for an event the app only records, so the caller records it", () => {
    expect(routes.handlersOf({ name: "issues", payload: { action: "opened" } })).toEqual([]);
    expect(routes.handlersOf({ name: "push", payload: {} })).toEqual([]);
  });
});
