/**
 * The app's resident memory per run in flight: the real app (`ai-dev start`, a child process) with ten
 * runs of the generated 10,000-file repository open at once. One whole run first, so the baseline holds
 * what any running app holds (modules, grammars, the mirror); then ten issues are labeled and the model
 * keeps each run's first request unanswered, so all ten stand at their first turn with their worktree,
 * repository map and conversation in memory. The figure is (peak RSS while the ten are in flight − the
 * baseline) / 10. Sandboxed commands are processes of their own, outside the app's RSS.
 * Target: under 50 MB per run.
 */
import { readFileSync } from "node:fs";
import { sampleConversation } from "../../demo/sample/conversation.ts";
import { sampleIssue } from "../../demo/sample/repository.ts";
import type { SampleWorld } from "../../demo/sample-world.ts";
import { waitFor } from "../../demo/wait-for.ts";
import type { BenchFigures } from "../run.ts";
import { benchDatabaseKinds, figureSuffix, withBenchWorld } from "../support/bench-world.ts";

export const name = "memory";

const inFlight = 10;
const deadlineMs = 180_000;

/** The process's resident set size in MB, from /proc (Linux). */
function residentMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
  if (!Number.isFinite(kb)) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return kb / 1024;
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Measured {
  baselineMb: number;
  peakMb: number;
}

async function measure(world: SampleWorld): Promise<Measured> {
  const warmUp = { ...sampleIssue, number: 1 };
  if ((await world.label(warmUp, sampleConversation())) !== 200)
    throw new Error("the warm-up webhook failed");
  await world.github.waitForComment(
    (body) => /· (done|failed|cancelled)/.test(body),
    "the warm-up run",
    deadlineMs,
  );
  await settle(2_000);
  const baselineMb = residentMb(world.app.pid);

  const asked = world.model.requests.length;
  let peakMb = baselineMb;
  const sampler = setInterval(() => {
    peakMb = Math.max(peakMb, residentMb(world.app.pid));
  }, 100);
  try {
    for (let i = 0; i < inFlight; i++) {
      // The run's first model request is held until the app stops: the run stays in flight.
      const status = await world.label({ ...sampleIssue, number: 100 + i }, [
        { caption: "holds the first turn", step: { hang: true } },
      ]);
      if (status !== 200) throw new Error(`the webhook for run ${i + 1} was answered ${status}`);
    }
    await waitFor(
      async () => (world.model.requests.length >= asked + inFlight ? true : undefined),
      deadlineMs,
      `all ${inFlight} runs at their first model turn`,
    );
    await settle(1_000);
  } finally {
    clearInterval(sampler);
  }
  return { baselineMb, peakMb: Math.max(peakMb, residentMb(world.app.pid)) };
}

function measureOn(kind: "pglite" | "postgres"): Promise<Measured> {
  return withBenchWorld(kind, { maxConcurrentAgents: inFlight }, measure);
}

export async function run(): Promise<BenchFigures> {
  const figures: BenchFigures["figures"] = {};
  const rows: BenchFigures["rows"] = [];
  for (const kind of benchDatabaseKinds()) {
    const m = await measureOn(kind);
    const perRun = (m.peakMb - m.baselineMb) / inFlight;
    const suffix = figureSuffix(kind);
    figures[`rss_mb_per_run${suffix}`] = Number(perRun.toFixed(1));
    figures[`rss_baseline_mb${suffix}`] = Math.round(m.baselineMb);
    figures[`rss_peak_mb${suffix}`] = Math.round(m.peakMb);
    rows.push(
      {
        label: `${kind}: app RSS after one run / with ${inFlight} in flight`,
        value: `${m.baselineMb.toFixed(0)} / ${m.peakMb.toFixed(0)} MB`,
      },
      {
        label: `${kind}: RSS growth per run in flight`,
        value: `${perRun.toFixed(1)} MB (target < 50 MB: ${perRun < 50 ? "met" : "MISSED"})`,
      },
    );
  }
  if (!process.env.DATABASE_URL)
    rows.push({ label: "postgres", value: "skipped (set DATABASE_URL to measure PostgreSQL)" });
  return { figures, rows };
}
