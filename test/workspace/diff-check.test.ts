import { describe, expect, it } from "vitest";
import { describeFindings, diffFindings } from "../../src/workspace/diff-check.ts";

// Built at run time so no scanner mistakes this file for a leak.
const alnum = (n: number) => "aB3dE5gH7jK9mN1pQ2rS4tU6vW8xY0z".repeat(20).slice(0, n);
const b64url = (n: number) => "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9-_".repeat(20).slice(0, n);
const planted = {
  classicInstallation: `ghs_${alnum(36)}`,
  statelessInstallation: `ghs_123456_${b64url(36)}.${b64url(380)}.${b64url(86)}`,
  personal: `ghp_${alnum(36)}`,
  oauth: `gho_${alnum(36)}`,
  fineGrained: `github_pat_${alnum(22)}_${alnum(59)}`,
  anthropic: `sk-ant-api03-${alnum(93)}AA`,
  awsKeyId: `AKIA${"IOSFODNN7EXAMPLQ".slice(0, 16)}`,
  awsSecret: `aws_secret_access_key = ${"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".slice(0, 40)}`,
  privateKey: `-----BEGIN ${"OPENSSH"} PRIVATE KEY-----`,
};

function diffAdding(path: string, lines: string[]): string {
  return [
    `diff --git a/${path} b/${path}`,
    `--- a/${path}`,
    `+++ b/${path}`,
    `@@ -10,0 +11,${lines.length} @@`,
    ...lines.map((l) => `+${l}`),
  ].join("\n");
}

describe("diffFindings", () => {
  it("finds every planted token kind in added lines, with file and line", () => {
    for (const [name, token] of Object.entries(planted)) {
      const findings = diffFindings({
        paths: ["src/config.ts"],
        diff: diffAdding("src/config.ts", ["ok", `const t = "${token}";`]),
      });
      expect(findings, name).toHaveLength(1);
      expect(findings[0], name).toMatchObject({ kind: "secret", path: "src/config.ts", line: 12 });
    }
  });

  it("names the rule and never repeats the secret", () => {
    const findings = diffFindings({
      paths: ["a.ts"],
      diff: diffAdding("a.ts", [planted.statelessInstallation]),
    });
    expect(findings[0]).toMatchObject({ rule: "github-installation-token" });
    const text = describeFindings(findings);
    expect(text).toContain("a.ts:11");
    expect(text).not.toContain(planted.statelessInstallation.slice(4, 30));
  });

  it("finds the app's live secrets by exact value, whatever their shape", () => {
    const live = "whsec-0a1b2c3d4e5f-live-webhook-secret";
    const findings = diffFindings({
      paths: ["notes.md"],
      diff: diffAdding("notes.md", [`the secret is ${live} ok`]),
      liveSecrets: [live, "short"],
    });
    expect(findings).toEqual([
      expect.objectContaining({ kind: "secret", rule: "live-secret", path: "notes.md", line: 11 }),
    ]);
  });

  it("ignores removed and context lines, and text that only looks close", () => {
    const diff = [
      "diff --git a/a.ts b/a.ts",
      "--- a/a.ts",
      "+++ b/a.ts",
      "@@ -1,3 +1,3 @@",
      ` keep ${planted.personal}`,
      `-old ${planted.anthropic}`,
      "+const prefix = 'ghs_'; const id = 'AKIA'; // sk-ant- in a comment",
    ].join("\n");
    expect(diffFindings({ paths: ["a.ts"], diff })).toEqual([]);
  });

  it("refuses a change that touches a blocked path, even deleting it", () => {
    const findings = diffFindings({
      paths: ["src/a.ts", ".github/workflows/ci.yml", "deploy/app.env.bak", "infra/secret.tfvars"],
      diff: "",
      blockedPaths: ["*.tfvars"],
    });
    expect(findings.map((f) => (f.kind === "blocked_path" ? f.path : f.kind))).toEqual([
      ".github/workflows/ci.yml",
      "infra/secret.tfvars",
    ]);
  });

  it("scans an added line that reads like a file header (`++ x` shows as `+++ x`)", () => {
    const diff = [
      "diff --git a/notes.md b/notes.md",
      "new file mode 100644",
      "--- /dev/null",
      "+++ b/notes.md",
      "@@ -0,0 +1,2 @@",
      `+++ token = ${planted.classicInstallation}`,
      `+--- ${planted.anthropic}`,
      "diff --git a/b.md b/b.md",
      "--- a/b.md",
      "+++ b/b.md",
      "@@ -3 +3 @@",
      "-old",
      `+++ ${planted.personal}`,
    ].join("\n");
    expect(diffFindings({ paths: ["notes.md", "b.md"], diff })).toEqual([
      expect.objectContaining({
        kind: "secret",
        path: "notes.md",
        line: 1,
        rule: "github-installation-token",
      }),
      expect.objectContaining({ kind: "secret", path: "notes.md", line: 2, rule: "anthropic-api-key" }),
      expect.objectContaining({ kind: "secret", path: "b.md", line: 3, rule: "github-token" }),
    ]);
  });

  it("refuses a secret in a file's name without repeating the name", () => {
    const name = `leak/${planted.classicInstallation}.txt`;
    const findings = diffFindings({
      paths: [name],
      diff: diffAdding(name, [planted.anthropic]),
    });
    expect(findings.map((f) => f.kind)).toEqual(["secret_in_path", "secret"]);
    const text = describeFindings(findings);
    expect(text).toContain("a file's name holds a GitHub App installation token");
    expect(text).not.toContain(planted.classicInstallation.slice(4));
  });

  it("refuses a secret in the commit message, which carries the agent's summary", () => {
    const live = "whsec-0a1b2c3d4e5f-live-webhook-secret";
    const findings = diffFindings({
      paths: ["a.ts"],
      diff: diffAdding("a.ts", ["ok"]),
      message: `Fix the greeting\n\nUsed the token ${planted.statelessInstallation} and ${live}.\n`,
      liveSecrets: [live],
    });
    expect(findings).toEqual([
      expect.objectContaining({ kind: "secret_in_message", line: 3, rule: "github-installation-token" }),
      expect.objectContaining({ kind: "secret_in_message", line: 3, rule: "live-secret" }),
    ]);
    expect(describeFindings(findings)).toContain("line 3 of the commit message (the agent's summary) holds");
  });
});
