import { changeWeights } from "./change-history.ts";
import { extractTags } from "./extract-tags.ts";
import { type FileTags, type RankedFile, rankFiles } from "./rank-files.ts";
import { listRepoFiles, readRepoFile } from "./repo-files.ts";
import { foldName, type TaskTerms } from "./task-terms.ts";

export interface RepoMapLimits {
  /** At most this many files are parsed; the others are ranked by their path alone. */
  maxParsedFiles: number;
  /** Parsing stops when this much time has passed; the files left are ranked by path. */
  timeLimitMs: number;
  /** Larger files are not read. */
  maxFileBytes: number;
  /** How many recent commits count as history. */
  historyCommits: number;
}

export const defaultRepoMapLimits: RepoMapLimits = {
  maxParsedFiles: 5_000,
  timeLimitMs: 30_000,
  maxFileBytes: 512 * 1024,
  historyCommits: 300,
};

export interface RankedRepository {
  files: RankedFile[];
  listed: number;
  parsed: number;
  /** What the ranking could not do, in words for the map's reader ("parsed 5000 of 12000 files …"). */
  notes: string[];
}

/**
 * Lists the repository as git sees it, parses what it can within the limits (the files the task is
 * most likely about first, so a cap drops the least promising ones), and ranks every file for the task.
 */
export async function rankRepository(
  repoDir: string,
  terms: TaskTerms,
  limits: RepoMapLimits = defaultRepoMapLimits,
  now: () => number = Date.now,
): Promise<RankedRepository> {
  const started = now();
  const paths = await listRepoFiles(repoDir);
  const history = await changeWeights(repoDir, limits.historyCommits);
  const order = parseOrder(paths, terms, history);
  const tagsByPath = new Map<string, FileTags>();
  const skipped = { binary: 0, large: 0, minified: 0, unreadable: 0 };
  let parsed = 0;
  let stoppedBy: "files" | "time" | undefined;

  for (const filePath of order) {
    if (parsed >= limits.maxParsedFiles) {
      stoppedBy = "files";
      break;
    }
    if (now() - started > limits.timeLimitMs) {
      stoppedBy = "time";
      break;
    }
    const file = await readRepoFile(repoDir, filePath, limits);
    if (file.kind === "skipped") {
      skipped[file.reason]++;
      continue;
    }
    const tags = await extractTags(filePath, file.source);
    if (!tags) continue;
    parsed++;
    tagsByPath.set(filePath, summarize(filePath, file.source, tags));
  }

  const files = rankFiles(
    paths.map((filePath) => tagsByPath.get(filePath) ?? { path: filePath }),
    terms,
    history,
  );
  const notes: string[] = [];
  if (stoppedBy === "files") {
    notes.push(
      `parsed the first ${parsed} source files (limit ${limits.maxParsedFiles}); the rest are ranked by path only`,
    );
  }
  if (stoppedBy === "time") {
    notes.push(
      `stopped parsing after ${Math.round(limits.timeLimitMs / 1000)} s at ${parsed} source files; the rest are ranked by path only`,
    );
  }
  const skippedTotal = skipped.binary + skipped.large + skipped.minified + skipped.unreadable;
  if (skippedTotal > 0) {
    notes.push(
      `not read: ${Object.entries(skipped)
        .filter(([, count]) => count > 0)
        .map(([reason, count]) => `${count} ${reason}`)
        .join(", ")}`,
    );
  }
  return { files, listed: paths.length, parsed, notes };
}

function summarize(
  filePath: string,
  source: string,
  tags: Awaited<ReturnType<typeof extractTags>> & object,
): FileTags {
  const lines = source.split("\n");
  const definitions = new Map<string, { line: number; text: string }[]>();
  const references = new Map<string, number>();
  for (const tag of tags) {
    if (tag.kind === "def") {
      const list = definitions.get(tag.name) ?? [];
      list.push({ line: tag.line, text: lines[tag.line] ?? "" });
      definitions.set(tag.name, list);
    } else if (tag.name.length > 1) {
      references.set(tag.name, (references.get(tag.name) ?? 0) + 1);
    }
  }
  return { path: filePath, definitions, references };
}

/** Files whose path the task names or matches first, then the most changed, then the rest. */
function parseOrder(paths: string[], terms: TaskTerms, history: Map<string, number>): string[] {
  const priority = (filePath: string) => {
    const named = [...terms.paths].some((p) => filePath === p || filePath.endsWith(`/${p}`));
    const parts = filePath.split(/[/.]/).map(foldName);
    const matched = parts.some((part) => terms.folded.has(part));
    return (named ? 1000 : 0) + (matched ? 100 : 0) + (history.get(filePath) ?? 0);
  };
  return paths
    .map((filePath) => ({ filePath, priority: priority(filePath) }))
    .sort((a, b) => b.priority - a.priority)
    .map(({ filePath }) => filePath);
}
