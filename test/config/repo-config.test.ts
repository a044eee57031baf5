import { describe, expect, it } from "vitest";
import { narrowConfig, repoConfigSchema } from "../../src/config/repo-config.ts";
import { appConfigSchema } from "../../src/config/schema.ts";

const global = appConfigSchema.parse({
  limits: { max_cost_per_task: 5, max_tokens_per_task: 50_000, monthly_budget: 500 },
  security: { blocked_paths: [".env"] },
});

describe("repository configuration", () => {
  it("lowers the caps a repository asks to lower", () => {
    const repo = repoConfigSchema.parse({ limits: { max_cost_per_task: 1.5, monthly_budget: 100 } });
    const effective = narrowConfig(global, repo);
    expect(effective.limits).toEqual({
      max_cost_per_task: 1.5,
      max_tokens_per_task: 50_000,
      monthly_budget: 100,
    });
    expect(effective.ignored).toEqual([]);
  });

  it("never raises a cap above the operator's, and says what it ignored", () => {
    const repo = repoConfigSchema.parse({ limits: { max_cost_per_task: 50, max_tokens_per_task: 10_000 } });
    const effective = narrowConfig(global, repo);
    expect(effective.limits.max_cost_per_task).toBe(5);
    expect(effective.limits.max_tokens_per_task).toBe(10_000);
    expect(effective.ignored).toEqual(["limits.max_cost_per_task 50 is above the operator's 5"]);
  });

  it("adds blocked paths and never removes the operator's", () => {
    const effective = narrowConfig(global, repoConfigSchema.parse({ blocked_paths: ["infra/**"] }));
    expect(effective.blockedPaths).toEqual([".env", "infra/**"]);
  });

  it("picks the repository's default workflow", () => {
    expect(narrowConfig(global, { workflows: { default: "hotfix" } }).defaultWorkflow).toBe("hotfix");
    expect(narrowConfig(global, null).defaultWorkflow).toBe("implement-issue");
  });

  it("rejects keys it does not know instead of silently ignoring them", () => {
    const result = repoConfigSchema.safeParse({ limits: { monthly_budgett: 10 } });
    expect(result.success).toBe(false);
  });

  it("carries the repository's setup, test and lint commands and its instructions", () => {
    const repo = repoConfigSchema.parse({
      commands: { setup: "npm ci", test: "npm test", lint: "npm run lint" },
      instructions: "Use pnpm-style imports.",
    });
    const effective = narrowConfig(global, repo);
    expect(effective.commands).toEqual({ setup: "npm ci", test: "npm test", lint: "npm run lint" });
    expect(effective.instructions).toBe("Use pnpm-style imports.");
    expect(narrowConfig(global, null).commands).toEqual({});
  });

  it("rejects an empty command or an unknown command name", () => {
    expect(repoConfigSchema.safeParse({ commands: { test: "" } }).success).toBe(false);
    expect(repoConfigSchema.safeParse({ commands: { deploy: "make deploy" } }).success).toBe(false);
  });
});
