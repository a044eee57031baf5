import { changeWeights } from "./change-history.ts";
import { extractNames, type FileNames, wordNames } from "./extract-tags.ts";
import { processNamesCache } from "./names-cache.ts";
import { type FileTags, type RankedFile, rankFiles } from "./rank-files.ts";
import { listRepoFiles, readRepoFile } from "./repo-files.ts";
import { isWordScanned, languageOf } from "./tag-queries.ts";
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

const readBatch = 16;

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

  // Reads overlap in batches; parsing (WebAssembly, synchronous) goes one file at a time.
  parsing: for (let start = 0; start < order.length; start += readBatch) {
    const batch = await Promise.all(
      order.slice(start, start + readBatch).map((filePath) => readRepoFile(repoDir, filePath, limits)),
    );
    for (const file of batch) {
      if (parsed >= limits.maxParsedFiles) {
        stoppedBy = "files";
        break parsing;
      }
      if (now() - started > limits.timeLimitMs) {
        stoppedBy = "time";
        break parsing;
      }
      if (file.kind === "skipped") {
        skipped[file.reason]++;
        continue;
      }
      const names = await processNamesCache.namesOf(
        languageOf(file.path)?.name ?? (isWordScanned(file.path) ? "words" : "none"),
        file.source,
        async () =>
          (await extractNames(file.path, file.source)) ??
          (isWordScanned(file.path) ? wordNames(file.source) : undefined),
      );
      if (!names) continue;
      parsed++;
      tagsByPath.set(file.path, summarize(file.path, file.source, names));
    }
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

function summarize(filePath: string, source: string, names: FileNames): FileTags {
  const lines = source.split("\n");
  const definitions = new Map<string, { line: number; text: string }[]>();
  for (const { name, line } of names.definitions) {
    const list = definitions.get(name) ?? [];
    list.push({ line, text: lines[line] ?? "" });
    definitions.set(name, list);
  }
  return { path: filePath, definitions, references: names.references };
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
