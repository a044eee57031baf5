import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface TempRepo {
  dir: string;
  remove(): void;
}

function git(dir: string, ...args: string[]): void {
  execFileSync("git", ["-c", "user.email=test@example.com", "-c", "user.name=Test", ...args], {
    cwd: dir,
    stdio: "ignore",
  });
}

/**
 * A new git repository holding real code copied from this machine (a package in node_modules, a
 * Python package in dist-packages) under `into`, committed once, plus any extra files given.
 */
export function repoFrom(
  sources: { from: string; into: string; filter?: (file: string) => boolean }[],
  extra: Record<string, string> = {},
): TempRepo {
  const dir = mkdtempSync(path.join(tmpdir(), "ai-dev-context-"));
  for (const source of sources) {
    cpSync(source.from, path.join(dir, source.into), {
      recursive: true,
      filter: (file) => !file.includes("__pycache__") && (source.filter?.(file) ?? true),
    });
  }
  for (const [file, text] of Object.entries(extra)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  git(dir, "init", "-q");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "import");
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Commits `files` (path → text) on top, so they count as recently changed. */
export function commitFiles(repo: TempRepo, files: Record<string, string>, message: string): void {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(repo.dir, file)), { recursive: true });
    writeFileSync(path.join(repo.dir, file), text);
  }
  git(repo.dir, "add", "-A");
  git(repo.dir, "commit", "-q", "-m", message);
}
