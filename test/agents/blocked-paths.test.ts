import { describe, expect, it } from "vitest";
import { securitySchema } from "../../src/config/schema.ts";
import { isBlockedPath } from "../../src/workspace/blocked-paths.ts";

describe("blocked paths", () => {
  it.each([
    ".env",
    ".env.local",
    "packages/api/.env",
    "deploy/server.pem",
    "server.key",
    "home/id_rsa",
    "id_rsa.pub",
    ".github/workflows",
    ".github/workflows/ci.yml",
    ".github/workflows/nested/x.yml",
    ".git",
    ".git/config",
    "vendor/lib/.git/hooks/pre-commit",
    ".ENV",
    "./.env",
    "../outside.txt",
  ])("blocks %s by default", (p) => {
    expect(isBlockedPath(p, [])).toBe(true);
  });

  it.each([
    "",
    "src/env.ts",
    "environment.md",
    ".github",
    ".github/dependabot.yml",
    ".gitignore",
    "docs/keys.md",
    "src/keyboard.ts",
    "src/.github/workflows-notes.md",
  ])("lets %s through", (p) => {
    expect(isBlockedPath(p, [])).toBe(false);
  });

  it("adds the configuration's globs: anchored with a slash, at any depth without, and the whole directory", () => {
    const extra = ["**/secrets/**", "/infra/prod/*.tfvars", "*.sqlite"];
    expect(isBlockedPath("secrets", extra)).toBe(true);
    expect(isBlockedPath("a/b/secrets/db.txt", extra)).toBe(true);
    expect(isBlockedPath("infra/prod/main.tfvars", extra)).toBe(true);
    expect(isBlockedPath("infra/prod/sub/main.tfvars", extra)).toBe(false);
    expect(isBlockedPath("other/infra/prod/main.tfvars", extra)).toBe(false);
    expect(isBlockedPath("data/app.sqlite", extra)).toBe(true);
    expect(isBlockedPath("data/app.sqlite3", extra)).toBe(false);
  });

  it("blocks everything the shipped security.blocked_paths default names", () => {
    for (const p of [".github/workflows/x.yml", ".env", ".env.test", "a/b.pem", "c/d.key", "x/secrets/y"]) {
      expect(isBlockedPath(p, securitySchema.parse({}).blocked_paths)).toBe(true);
    }
  });
});
