/**
 * The orchestration time of a whole implement-issue run: the real app (`ai-dev start`, a child process,
 * on the embedded database as `npm start` keeps it) against the demo's stand-ins, with a scripted model
 * that answers at once, on a generated repository of 10,000 files plus the sample task's files. Each
 * of `runs` issues is labeled in turn; a run's orchestration is the wall time from the webhook's
 * acceptance to the pull request's creation on GitHub, minus the time the model server spent on its
 * requests (about zero). The first run clones the repository's mirror; later ones fetch it.
 * Target: the median under one `git clone` of the same repository from the same server.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { sampleConversation } from "../../demo/sample/conversation.ts";
import { type SampleIssue, sampleIssue, sampleRepository } from "../../demo/sample/repository.ts";
import type { SampleWorld } from "../../demo/sample-world.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { type RunDetail, runDetailSchema, runListSchema } from "../../src/ops/list-runs.ts";
import type { BenchFigures } from "../run.ts";
import { benchDatabaseKinds, figureSuffix, withBenchWorld } from "../support/bench-world.ts";
import { generatedFileCount } from "../support/generated-repository.ts";
import { median } from "../support/median.ts";

export const name = "orchestration";

const runs = 7;
const clones = 3;
const runDeadlineMs = 180_000;

interface Measured {
  orchestrationMs: number;
  modelMs: number;
  /** Webhook accepted → the run's first step started (intake and run queues). */
  queuedMs: number;
  developMs: number;
  /** develop finished → pull request created (describe_pr, open_pr). */
  toPullMs: number;
  /** Mutating GitHub calls before the pull request existed (paced per installation, adapters/github/paced-octokit.ts). */
  writes: number;
  /** The agent's input tokens from its second turn on: all of them, and those read from the prompt cache. */
  agentInputFromTurn2: number;
  agentCacheReadFromTurn2: number;
}

/** The development agent's requests carry its tools; the AI actions' (describe_pr) carry none. */
const isAgentTurn = (body: Record<string, unknown>) => Array.isArray(body.tools) && body.tools.length > 0;

/**
 * A plain `git clone` of the repository over the same smart HTTP server, with the same token header;
 * asynchronous, since the server answering it runs in this process.
 */
async function timeClone(world: SampleWorld): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ai-dev-bench-clone-"));
  const auth = Buffer.from(`x-access-token:${world.gitToken}`).toString("base64");
  try {
    const started = performance.now();
    await promisify(execFile)(
      "git",
      [
        "-c",
        `http.extraHeader=Authorization: Basic ${auth}`,
        "clone",
        "--quiet",
        world.git.repoUrl(sampleRepository.bareName),
        path.join(dir, "clone"),
      ],
      { env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" } },
    );
    return performance.now() - started;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runDetail(world: SampleWorld, issue: number): Promise<RunDetail> {
  const get = async (route: string) => {
    const response = await fetch(`${world.app.url}/api/v1/runs${route}`, {
      headers: { authorization: `Bearer ${world.apiToken}` },
    });
    if (!response.ok) throw new Error(`runs API ${route}: HTTP ${response.status}`);
    return (await response.json()) as unknown;
  };
  const list = runListSchema.parse(await get("?limit=50"));
  const run = list.runs.find((r) => r.target?.number === issue);
  if (!run) throw new Error(`the runs API lists no run for issue #${issue}`);
  return runDetailSchema.parse(await get(`/${encodeURIComponent(run.id)}`));
}

async function measureRun(world: SampleWorld, issue: SampleIssue): Promise<Measured> {
  const acceptedWall = Date.now();
  const status = await world.label(issue, sampleConversation());
  const accepted = performance.now();
  if (status !== 200) throw new Error(`the webhook for #${issue.number} was answered ${status}`);
  const opened = await waitFor(
    async () =>
      world.github.requests.find(
        (r) =>
          r.method === "POST" &&
          /\/pulls$/.test(r.path) &&
          String((r.body as { head?: string }).head).startsWith(`ai/${issue.number}-`),
      ),
    runDeadlineMs,
    `the pull request for #${issue.number}`,
  );
  const final = await world.github.waitForComment(
    (body) => /· (done|failed|cancelled)/.test(body),
    `the run of #${issue.number} to end`,
    runDeadlineMs,
  );
  if (!final.includes("· done")) throw new Error(`the run of #${issue.number} did not succeed:\n${final}`);
  const modelMs = world.model.requests
    .filter((r) => r.at >= accepted && r.at <= opened.at)
    .reduce((sum, r) => sum + ((r.answeredAt ?? r.at) - r.at), 0);
  const laterTurns = world.model.requests
    .filter((r) => r.at >= accepted && r.at <= opened.at && isAgentTurn(r.body))
    .slice(1);
  const inputOf = (u: NonNullable<(typeof laterTurns)[number]["usage"]>) =>
    u.input_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens;
  const writes = world.github.requests.filter(
    (r) => r.at >= accepted && r.at <= opened.at && r.method !== "GET" && !/\/access_tokens$/.test(r.path),
  ).length;
  const detail = await runDetail(world, issue.number);
  const step = (stepName: string) => detail.steps.find((s) => s.name === stepName && s.phase === "main");
  const develop = step("develop");
  const first = detail.steps[0];
  if (!develop?.finishedAt || !first)
    throw new Error(`the run of #${issue.number} has no finished develop step`);
  const developEnd = Date.parse(develop.finishedAt);
  const openedWall = acceptedWall + (opened.at - accepted);
  return {
    orchestrationMs: opened.at - accepted - modelMs,
    modelMs,
    queuedMs: Date.parse(first.startedAt) - acceptedWall,
    developMs: developEnd - Date.parse(develop.startedAt),
    toPullMs: openedWall - developEnd,
    writes,
    agentInputFromTurn2: laterTurns.reduce((sum, r) => sum + (r.usage ? inputOf(r.usage) : 0), 0),
    agentCacheReadFromTurn2: laterTurns.reduce((sum, r) => sum + (r.usage?.cache_read_input_tokens ?? 0), 0),
  };
}

/** Runs `runs` issues one after another on a fresh world on one database; the first clones the mirror. */
function measureOn(kind: "pglite" | "postgres", cloneMs: number[]): Promise<Measured[]> {
  return withBenchWorld(kind, {}, async (world) => {
    if (cloneMs.length === 0) for (let i = 0; i < clones; i++) cloneMs.push(await timeClone(world));
    const measured: Measured[] = [];
    for (let i = 1; i <= runs; i++) measured.push(await measureRun(world, { ...sampleIssue, number: i }));
    return measured;
  });
}

export async function run(): Promise<BenchFigures> {
  const cloneMs: number[] = [];
  const figures: BenchFigures["figures"] = {};
  const rows: BenchFigures["rows"] = [];
  for (const kind of benchDatabaseKinds()) {
    const measured = await measureOn(kind, cloneMs);
    const suffix = figureSuffix(kind);
    const of = (key: keyof Measured) => Math.round(median(measured.map((m) => m[key])));
    const orchestration = of("orchestrationMs");
    const clone = Math.round(median(cloneMs));
    const met = orchestration < clone;
    const firstRun = measured[0];
    const writes = of("writes");
    Object.assign(figures, {
      [`orchestration_ms_median${suffix}`]: orchestration,
      [`orchestration_first_run_ms${suffix}`]: firstRun ? Math.round(firstRun.orchestrationMs) : null,
      [`orchestration_develop_ms_median${suffix}`]: of("developMs"),
      [`orchestration_model_wait_ms_median${suffix}`]: of("modelMs"),
      [`orchestration_github_writes_median${suffix}`]: writes,
    });
    figures.orchestration_git_clone_ms = clone;
    const input = measured.reduce((sum, m) => sum + m.agentInputFromTurn2, 0);
    const cacheShare =
      input > 0 ? measured.reduce((sum, m) => sum + m.agentCacheReadFromTurn2, 0) / input : 0;
    // The agent's real requests (tools, system prompt, repository map, as it sends them), with the
    // scripted server's simulated cache: the same on either database, so taken once.
    if (kind === "pglite") {
      figures.cache_read_share_from_turn2 = Number(cacheShare.toFixed(4));
      rows.push({
        label: `the development agent's input read from the prompt cache, turn 2 on (${runs} runs)`,
        value: `${(100 * cacheShare).toFixed(1)} % of ${input} tokens (target ≥ 95 %: ${cacheShare >= 0.95 ? "met" : "MISSED"})`,
      });
    }
    if (kind === "pglite")
      rows.push({
        label: `git clone of the repository, ${generatedFileCount} files (median of ${clones})`,
        value: `${clone} ms`,
      });
    rows.push(
      {
        label: `${kind}: orchestration, webhook accepted → PR created, less model time (median of ${runs})`,
        value: `${orchestration} ms (target < one git clone: ${met ? "met" : "MISSED"})`,
      },
      {
        label: `${kind}: orchestration of the first run (mirror cloned)`,
        value: `${firstRun ? Math.round(firstRun.orchestrationMs) : "?"} ms`,
      },
      { label: `${kind}: of which waiting on the scripted model (median)`, value: `${of("modelMs")} ms` },
      { label: `${kind}: of which accepted → first step started (queues)`, value: `${of("queuedMs")} ms` },
      { label: `${kind}: of which the develop step`, value: `${of("developMs")} ms` },
      { label: `${kind}: of which develop done → PR created`, value: `${of("toPullMs")} ms` },
      {
        label: `${kind}: fastest run (the runs go back to back on one installation)`,
        value: `${Math.round(Math.min(...measured.map((m) => m.orchestrationMs)))} ms`,
      },
      {
        label: `${kind}: GitHub writes before the PR (paced per installation: adapters/github/paced-octokit.ts)`,
        value: `${writes}`,
      },
    );
  }
  if (!process.env.DATABASE_URL)
    rows.push({ label: "postgres", value: "skipped (set DATABASE_URL to measure PostgreSQL)" });
  return { figures, rows };
}
