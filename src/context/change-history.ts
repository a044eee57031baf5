import { simpleGit } from "simple-git";

/**
 * How much each file has changed lately: every commit among the last `commits` that touched a file adds
 * to its weight, recent commits more than old ones. Files changed often and recently are where the
 * work of a repository happens, and where a new task most likely lands.
 */
export async function changeWeights(repoDir: string, commits: number): Promise<Map<string, number>> {
  const weights = new Map<string, number>();
  let output: string;
  try {
    output = await simpleGit(repoDir).raw([
      "-c",
      "core.quotePath=false",
      "log",
      `-n${commits}`,
      "--no-merges",
      "--name-only",
      "--format=%x00",
    ]);
  } catch {
    // A repository with no commit yet has no history to weigh.
    return weights;
  }
  const entries = output.split("\0").slice(1);
  entries.forEach((entry, age) => {
    const recency = 1 / (1 + age / 25);
    for (const line of entry.split("\n")) {
      const file = line.trim();
      if (file) weights.set(file, (weights.get(file) ?? 0) + recency);
    }
  });
  return weights;
}
