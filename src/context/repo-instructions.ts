import { readFile } from "node:fs/promises";
import path from "node:path";

export interface RepoInstructions {
  /** Where they came from: `.github/ai-dev.yml instructions`, `AGENTS.md` or `CLAUDE.md`. */
  source: string;
  text: string;
}

const instructionFiles = ["AGENTS.md", "CLAUDE.md"];

/**
 * The repository's notes for the agent: the `instructions` string of `.github/ai-dev.yml` when the
 * caller read one, else AGENTS.md, else CLAUDE.md at the root; undefined when there are none.
 */
export async function readRepoInstructions(
  repoDir: string,
  configured?: string,
): Promise<RepoInstructions | undefined> {
  if (configured?.trim()) return { source: ".github/ai-dev.yml instructions", text: configured };
  for (const name of instructionFiles) {
    try {
      const text = await readFile(path.join(repoDir, name), "utf8");
      if (text.trim()) return { source: name, text };
    } catch {
      // Absent: try the next one.
    }
  }
  return undefined;
}
