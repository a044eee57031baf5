/**
 * The app running against stand-ins for everything outside it, on this machine only: the fake GitHub
 * (REST API), the sample repository as a bare repository served over git's smart HTTP, and the scripted
 * Messages API in place of Claude. The app is the real one (`ai-dev start`, a child process) on an
 * embedded database in a temporary directory; `stop()` ends it and removes everything it made.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "../src/cli/runtime.ts";
import { type AppProcess, startAppProcess } from "./app-process.ts";
import { freePort } from "./free-port.ts";
import type { ScriptedTurn } from "./sample/conversation.ts";
import { labeledPayload, type SampleIssue, sampleRepository } from "./sample/repository.ts";
import { FakeGitHub, githubFixture, registeredAppEnv } from "./stand-ins/fake-github.ts";
import { type GitHttpServer, startGitHttpServer } from "./stand-ins/git-http-server.ts";
import { createBareRepository } from "./stand-ins/git-repos.ts";
import { type ScriptedAnthropic, startScriptedAnthropic } from "./stand-ins/scripted-anthropic/server.ts";
import { deliverWebhook } from "./stand-ins/webhook-examples.ts";

export const installationId = 42;
/** The app's webhook endpoint (Probot's default path). */
export const webhookPath = "/api/github/webhooks";

export interface SampleWorld {
  /** The temporary directory everything lives in. */
  root: string;
  /** The sample repository's bare repository: the remote the app clones and pushes to. */
  bare: string;
  github: FakeGitHub;
  git: GitHttpServer;
  model: ScriptedAnthropic;
  app: AppProcess;
  /** A bearer token for the app's runs API (/api/v1/runs). */
  apiToken: string;
  /** The installation token GitHub's stand-in hands out (git over HTTP requires it). */
  gitToken: string;
  /** Scripts the model's answers for the run, labels the issue on GitHub's side and delivers the signed
   * `issues.labeled` webhook; resolves with the app's HTTP answer. */
  label(issue: SampleIssue, turns: readonly ScriptedTurn[]): Promise<number>;
  stop(): Promise<void>;
}

export async function startSampleWorld(
  options: {
    /** Fills the new bare repository at `bare` (default: the sample's files in one commit). */
    seed?: (root: string, bareName: string) => string;
    /** Runs one app process executes at once (system.max_concurrent_agents; the app's default otherwise). */
    maxConcurrentAgents?: number;
    /** A PostgreSQL database for the app (DATABASE_URL); the embedded database in `root` otherwise. */
    databaseUrl?: string;
  } = {},
): Promise<SampleWorld> {
  const root = mkdtempSync(path.join(os.tmpdir(), "ai-dev-demo-"));
  const closers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const repos = path.join(root, "remote");
    mkdirSync(repos);
    const seed =
      options.seed ??
      ((dir: string, name: string) => createBareRepository(dir, name, sampleRepository.files));
    const bare = seed(repos, sampleRepository.bareName);
    const gitToken = String(githubFixture("installation-token.json").token);
    const git = await startGitHttpServer({ root: repos, token: gitToken });
    closers.push(() => git.close());
    const model = await startScriptedAnthropic({ simulateCache: true });
    closers.push(() => model.close());
    const github = new FakeGitHub();
    await github.start();
    closers.push(() => github.stop());
    github.repoConfigs.set(sampleRepository.fullName, sampleRepository.files[".github/ai-dev.yml"] ?? "");
    github.repositories.set(sampleRepository.fullName, {
      defaultBranch: sampleRepository.defaultBranch,
      cloneUrl: git.repoUrl(sampleRepository.bareName),
    });

    const config = path.join(root, "ai-dev.config.yaml");
    writeFileSync(
      config,
      [
        "system:",
        '  name: "AI Dev (demo)"',
        `  workspace_dir: ${JSON.stringify(path.join(root, "workspaces"))}`,
        ...(options.maxConcurrentAgents ? [`  max_concurrent_agents: ${options.maxConcurrentAgents}`] : []),
        "workflows:",
        `  config_dir: ${JSON.stringify(path.join(repoRoot, "workflows"))}`,
        "",
      ].join("\n"),
    );
    const webhookSecret = randomBytes(20).toString("hex");
    const apiToken = randomBytes(32).toString("hex");
    const port = await freePort();
    const app = await startAppProcess({
      port,
      cwd: root,
      logFile: path.join(root, "app.log"),
      // Only what the app needs: nothing from the caller's shell (a DATABASE_URL, a real key) leaks in.
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ...registeredAppEnv({ githubHost: github.host, webhookSecret }),
        PORT: String(port),
        HOST: "127.0.0.1",
        DATA_DIR: path.join(root, "data"),
        ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
        AI_DEV_CONFIG: config,
        AI_DEV_API_TOKEN: apiToken,
        ANTHROPIC_BASE_URL: model.url,
        ANTHROPIC_API_KEY: "sk-ant-demo-simulated-key",
        LOG_LEVEL: "info",
        LOG_FORMAT: "json",
        NO_SMEE_SETUP: "true",
      },
    });
    closers.push(() => app.stop());

    return {
      root,
      bare,
      github,
      git,
      model,
      app,
      apiToken,
      gitToken,
      label: async (issue, turns) => {
        github.roles.set(issue.labeledBy, "write");
        github.issueLabels.set(`${sampleRepository.fullName}#${issue.number}`, ["ai-implement"]);
        model.push(...turns.map((turn) => turn.step));
        return await deliverWebhook({
          url: `${app.url}${webhookPath}`,
          event: "issues",
          payload: labeledPayload(issue, installationId),
          secret: webhookSecret,
        });
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
