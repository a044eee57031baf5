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
});
