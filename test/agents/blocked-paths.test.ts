import { describe, expect, it } from "vitest";
import { securitySchema } from "../../src/config/schema.ts";
import {
  blockingPattern,
  blockingPatternBelowAllowed,
  isBlockedPath,
} from "../../src/workspace/blocked-paths.ts";

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

  it("gives a walk the same answer entry by entry as for the whole path, testing only the last name", () => {
    const extra = ["**/secrets/**", "/infra/prod/*.tfvars", "*.sqlite", "docs/private/**"];
    const paths = [
      "src",
      "src/app.ts",
      "packages/api/.env",
      "a/b/secrets",
      "infra/prod/main.tfvars",
      "other/infra/prod/main.tfvars",
      "docs",
      "docs/private",
      "data/app.sqlite",
      "vendor/lib/.git",
      ".github/workflows",
      ".github/workflows-notes.md",
    ];
    for (const p of paths) {
      const segments = p.split("/");
      const ancestorsAllowed = segments
        .slice(0, -1)
        .every((_, i) => blockingPattern(segments.slice(0, i + 1).join("/"), extra) === undefined);
      expect(ancestorsAllowed, p).toBe(true);
      expect(blockingPatternBelowAllowed(p, extra), p).toBe(blockingPattern(p, extra));
    }
  });

  it("blocks everything the shipped security.blocked_paths default names", () => {
    for (const p of [".github/workflows/x.yml", ".env", ".env.test", "a/b.pem", "c/d.key", "x/secrets/y"]) {
      expect(isBlockedPath(p, securitySchema.parse({}).blocked_paths)).toBe(true);
    }
  });
});
