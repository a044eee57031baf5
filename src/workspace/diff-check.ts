import { blockingPattern } from "./blocked-paths.ts";
import { secretsInLine } from "./secret-rules.ts";

export type DiffFinding =
  | { kind: "blocked_path"; path: string; pattern: string }
  | { kind: "secret"; path: string; line: number; rule: string; description: string };

export interface DiffCheckInput {
  /** Every path the change adds, modifies or deletes (renames as both paths). */
  paths: readonly string[];
  /** The unified diff (`git diff --cached --no-renames --text -U0`); only added lines are scanned. */
  diff: string;
  /** `security.blocked_paths` and the repository's, on top of the defaults. */
  blockedPaths?: readonly string[];
  /** Exact values of the app's live secrets. */
  liveSecrets?: readonly string[];
}

const hunkHeader = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/** What makes a change uncommittable: a blocked path touched, or a secret in an added line. */
export function diffFindings(input: DiffCheckInput): DiffFinding[] {
  const findings: DiffFinding[] = [];
  for (const path of input.paths) {
    const pattern = blockingPattern(path, input.blockedPaths);
    if (pattern) findings.push({ kind: "blocked_path", path, pattern });
  }
  let file = "";
  let lineNo = 0;
  for (const line of input.diff.split("\n")) {
    if (line.startsWith("+++ ")) {
      file = line.slice(4).replace(/^b\//, "");
      continue;
    }
    if (line.startsWith("--- ") || line.startsWith("diff --git ")) continue;
    const hunk = hunkHeader.exec(line);
    if (hunk) {
      lineNo = Number(hunk[1]);
      continue;
    }
    if (line.startsWith("+")) {
      for (const match of secretsInLine(line.slice(1), input.liveSecrets)) {
        findings.push({ kind: "secret", path: file, line: lineNo, ...match });
      }
      lineNo += 1;
    } else if (line.startsWith(" ")) lineNo += 1;
  }
  return findings;
}

/** One line per finding, for the run's error and the progress comment; never the secret's value. */
export function describeFindings(findings: readonly DiffFinding[]): string {
  return findings
    .map((f) =>
      f.kind === "blocked_path"
        ? `- \`${f.path}\` is a blocked path (\`${f.pattern}\`)`
        : `- \`${f.path}:${f.line}\` holds ${f.description}`,
    )
    .join("\n");
}
