/**
 * Workspace preparation on a generated repository of 10,000 files served over smart HTTP (the real
 * `git http-backend`): cold, the first run of a repository (mirror cloned, worktree checked out), and
 * warm, a later run (mirror fetched, the previous run's parked checkout moved in and switched to the
 * run's branch). Target: warm at least 20× faster than cold.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startGitHttpServer } from "../../demo/stand-ins/git-http-server.ts";
import { openWorkspace } from "../../src/workspace/workspace.ts";
import type { BenchFigures } from "../run.ts";
import { generatedFileCount, generateRepository } from "../support/generated-repository.ts";
import { median } from "../support/median.ts";

export const name = "workspace";

const fileCount = generatedFileCount;
const rounds = 3;

export async function run(): Promise<BenchFigures> {
  const root = mkdtempSync(path.join(os.tmpdir(), "ai-dev-bench-workspace-"));
  const token = "bench-token-0123456789";
  const repos = path.join(root, "repos");
  mkdirSync(path.join(repos, "bench"), { recursive: true });
  generateRepository(path.join(repos, "bench", "big.git"));
  const server = await startGitHttpServer({ root: repos, token });
  const repository = {
    fullName: "bench/big",
    cloneUrl: server.repoUrl("bench/big.git"),
    defaultBranch: "main",
    token: async () => token,
  };
  const cold: number[] = [];
  const warm: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const workspaceDir = path.join(root, `workspaces-${round}`);
      let started = performance.now();
      const first = await openWorkspace({
        workspaceDir,
        repository,
        runId: `cold-${round}`,
        branch: "ai/1-bench",
      });
      cold.push(performance.now() - started);
      await first.remove();
      started = performance.now();
      const second = await openWorkspace({
        workspaceDir,
        repository,
        runId: `warm-${round}`,
        branch: "ai/1-bench",
      });
      warm.push(performance.now() - started);
      await second.remove();
      rmSync(workspaceDir, { recursive: true, force: true });
    }
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
  const coldMs = Math.round(median(cold));
  const warmMs = Math.round(median(warm));
  const ratio = coldMs / Math.max(warmMs, 1);
  return {
    figures: {
      clone_cold_ms: coldMs,
      workspace_warm_ms: warmMs,
      workspace_warm_speedup: Number(ratio.toFixed(1)),
    },
    rows: [
      {
        label: `cold: mirror clone + worktree, ${fileCount} files (median of ${rounds})`,
        value: `${coldMs} ms`,
      },
      { label: "warm: mirror fetch + parked worktree", value: `${warmMs} ms` },
      {
        label: "warm speedup (target ≥ 20×)",
        value: `${ratio.toFixed(1)}×${ratio >= 20 ? "" : " (below target)"}`,
      },
    ],
  };
}
