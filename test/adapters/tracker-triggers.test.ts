import { describe, expect, it } from "vitest";
import { mappedLogin, ticketRepository, trackerTriggersSchema } from "../../adapters/tracker-triggers.ts";

const triggers = trackerTriggersSchema("Jira", "project").parse({
  repositories: { ENG: "octo-org/shop", OPS: "octo-org/infra" },
  allowed_repositories: ["octo-org/docs"],
});

describe("the repository a ticket's work goes to", () => {
  it("is the project's, unless the ticket names another allowed one in its field or a repo= line", () => {
    expect(ticketRepository(triggers, { project: "ENG", description: "Fix it" })).toEqual({
      repository: "octo-org/shop",
    });
    expect(
      ticketRepository(triggers, { project: "ENG", description: "Fix it\nrepo=octo-org/docs\n" }),
    ).toEqual({
      repository: "octo-org/docs",
    });
    // Another project's repository is allowed too; a field's github.com URL names its repository.
    expect(
      ticketRepository(triggers, {
        project: "ENG",
        named: "https://github.com/octo-org/infra",
        description: "",
      }),
    ).toEqual({ repository: "octo-org/infra" });
  });

  it("is none for an unmapped project, or a ticket that names a repository nobody allowed", () => {
    expect(ticketRepository(triggers, { project: "HR", description: "" })).toEqual({
      refused: "the project HR is not mapped to a repository",
    });
    expect(ticketRepository(triggers, { project: "ENG", description: "repo=evil/elsewhere" })).toEqual({
      refused: "the ticket names evil/elsewhere, which is not allowed",
    });
    // A repo= inside a sentence is not a line of its own, and is not read.
    expect(
      ticketRepository(triggers, { project: "ENG", description: "see repo=evil/elsewhere here" }),
    ).toEqual({
      repository: "octo-org/shop",
    });
  });
});

describe("the GitHub login of a tracker user", () => {
  it("is null when nobody is mapped (anyone may), the login when mapped, undefined otherwise", () => {
    expect(mappedLogin(triggers, "5b10a2844c20165700ede21g")).toBeNull();
    const mapped = trackerTriggersSchema("Jira", "project").parse({
      repositories: { ENG: "octo-org/shop" },
      users: { "5b10a2844c20165700ede21g": "octocat" },
    });
    expect(mappedLogin(mapped, "5b10a2844c20165700ede21g")).toBe("octocat");
    expect(mappedLogin(mapped, "someone-else")).toBeUndefined();
    expect(mappedLogin(mapped, "constructor")).toBeUndefined();
    expect(mappedLogin(mapped, undefined)).toBeUndefined();
  });
});
