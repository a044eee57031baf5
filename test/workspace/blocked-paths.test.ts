import { describe, expect, it } from "vitest";
import { blockingPattern, isBlockedPath } from "../../src/workspace/blocked-paths.ts";

describe("isBlockedPath", () => {
  it("blocks the default secrets and machinery at any depth", () => {
    for (const p of [
      ".env",
      ".env.local",
      "config/.env.production",
      "certs/server.pem",
      "deploy/tls.key",
      "id_rsa",
      "home/.ssh/id_rsa.pub",
      ".github/workflows/ci.yml",
      ".git/config",
      ".git",
      "vendor/lib/.git/hooks/pre-commit",
      "./.ENV",
    ]) {
      expect(isBlockedPath(p, []), p).toBe(true);
    }
  });

  it("leaves ordinary files alone", () => {
    for (const p of [
      "src/env.ts",
      "docs/keys.md",
      ".github/ISSUE_TEMPLATE/bug.md",
      "environment/setup.py",
      ".gitignore",
    ]) {
      expect(isBlockedPath(p, []), p).toBe(false);
    }
  });

  it("adds the operator's and the repository's patterns, anchored when they hold a slash", () => {
    const extra = ["**/secrets/**", "infra/prod/**", "*.tfstate"];
    expect(blockingPattern("app/secrets/db.txt", extra)).toBe("**/secrets/**");
    expect(blockingPattern("infra/prod/main.tf", extra)).toBe("infra/prod/**");
    expect(isBlockedPath("other/infra/prod/main.tf", extra)).toBe(false);
    expect(blockingPattern("state/terraform.tfstate", extra)).toBe("*.tfstate");
  });

  it("blocks everything inside a blocked directory", () => {
    expect(isBlockedPath("keys.pem/inner.txt", [])).toBe(true);
    expect(isBlockedPath("build/output", ["build"])).toBe(true);
  });
});
