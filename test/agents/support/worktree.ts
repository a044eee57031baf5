import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface TempWorktree {
  /** A directory beside the worktree: what an escape would reach. */
  outside: string;
  dir: string;
  write(relative: string, text: string): void;
  remove(): void;
}

/** A real git repository in a temporary directory, with a sibling directory standing for "outside". */
export function tempWorktree(files: Record<string, string>): TempWorktree {
  const base = mkdtempSync(path.join(tmpdir(), "ai-dev-tools-"));
  const dir = path.join(base, "worktree");
  const outside = path.join(base, "outside");
  mkdirSync(dir);
  mkdirSync(outside);
  writeFileSync(path.join(outside, "secret.txt"), "outside-secret\n");
  const write = (relative: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
    writeFileSync(path.join(dir, relative), text);
  };
  for (const [relative, text] of Object.entries(files)) write(relative, text);
  execFileSync("git", ["init", "-q"], { cwd: dir });
  return { dir, outside, write, remove: () => rmSync(base, { recursive: true, force: true }) };
}
