import { describe, expect, it } from "vitest";
import { graphqlUrl } from "../../../adapters/github/github-graphql.ts";

describe("GitHub's GraphQL endpoint", () => {
  it("sits beside the REST API: /graphql on github.com, /api/graphql on Enterprise Server", () => {
    expect(graphqlUrl("https://api.github.com")).toBe("https://api.github.com/graphql");
    expect(graphqlUrl("https://ghe.example.com/api/v3")).toBe("https://ghe.example.com/api/graphql");
    expect(graphqlUrl("http://127.0.0.1:4010/api/v3/")).toBe("http://127.0.0.1:4010/api/graphql");
  });
});
