import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { throwawayPrivateKey } from "../../demo/stand-ins/webhook-examples.ts";
import { cleanEnv, repoRoot, runCli, startCliServer } from "../support/cli.ts";

const twoMistakes = path.join(repoRoot, "test", "fixtures", "config", "two-mistakes.yaml");

describe("ai-dev command line", () => {
  it("lists its commands in --help", async () => {
    const result = await runCli(["--help"]);
    expect(result.code).toBe(0);
    for (const command of ["start", "migrate", "config"]) expect(result.stdout).toContain(command);
  });

  it("config check lists both mistakes of a broken file with paths and exits 1", async () => {
    const result = await runCli(["config", "check", twoMistakes]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/two-mistakes\.yaml:7:\d+ limits\.monthly_budget: .*number/);
    expect(result.stderr).toMatch(/two-mistakes\.yaml:\d+:\d+ security: .*sandbox/);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("workflows validate passes the shipped workflows and fails malformed ones with file:line:col", async () => {
    const shipped = await runCli(["workflows", "validate"]);
    expect(shipped.code).toBe(0);
    expect(shipped.stdout).toContain("7 workflow file(s) valid");

    const malformed = path.join(repoRoot, "test", "engine", "fixtures", "malformed", "unknown-action.yml");
    const broken = await runCli(["workflows", "validate", malformed]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/unknown-action\.yml:\d+:\d+ steps\.0\.action: unknown action "get_tsk"/);
  });

  it("start refuses a broken configuration with every error, before opening anything", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "ai-dev-cli-"));
    try {
      const result = await runCli(["start"], cleanEnv({ AI_DEV_CONFIG: twoMistakes, DATA_DIR: dataDir }));
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("2 problem(s) found");
      expect(result.stderr).toMatch(/limits\.monthly_budget/);
      expect(result.stderr).toMatch(/security: .*sandbox/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("start refuses a workflow directory with an invalid workflow, listing its problems", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ai-dev-cli-"));
    try {
      const malformed = path.join(repoRoot, "test", "engine", "fixtures", "malformed");
      const config = path.join(dir, "ai-dev.config.yaml");
      writeFileSync(config, `workflows:\n  config_dir: ${JSON.stringify(malformed)}\n`);
      const result = await runCli(
        ["start"],
        cleanEnv({ AI_DEV_CONFIG: config, DATA_DIR: path.join(dir, "data") }),
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/problem\(s\) found/);
      expect(result.stderr).toMatch(/unknown-action\.yml:\d+:\d+ steps\.0\.action: unknown action "get_tsk"/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("start reads the app registration that setup mode wrote to .env", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ai-dev-cli-"));
    const key = throwawayPrivateKey().replaceAll("\n", "\\n");
    writeFileSync(path.join(dir, ".env"), `APP_ID=123\nPRIVATE_KEY="${key}"\nWEBHOOK_SECRET=from-dotenv\n`);
    const intakeConfig = path.join(repoRoot, "test", "fixtures", "intake", "ai-dev.config.yaml");
    const server = await startCliServer(
      ["start", "--no-worker"],
      (port) =>
        cleanEnv({
          DATA_DIR: path.join(dir, "data"),
          PORT: String(port),
          HOST: "127.0.0.1",
          AI_DEV_CONFIG: intakeConfig,
        }),
      dir,
    );
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      const health = (await response.json()) as { mode: string };
      expect(health.mode).toBe("app");
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("start with no configuration serves /healthz on the embedded database in setup mode", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "ai-dev-cli-"));
    const server = await startCliServer(["start"], (port) =>
      cleanEnv({ DATA_DIR: dataDir, PORT: String(port), HOST: "127.0.0.1" }),
    );
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      const health = { status: response.status, body: await response.json() };
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({
        status: "ok",
        mode: "setup",
        database: { kind: "pglite", ok: true },
      });
      expect(server.output()).toContain("setup mode");
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000); // a cold start of the whole app on a shared two-core machine
});
