import { blockingPattern } from "./blocked-paths.ts";
import { secretsInLine } from "./secret-rules.ts";

export type DiffFinding =
  | { kind: "blocked_path"; path: string; pattern: string }
  | { kind: "secret"; path: string; line: number; rule: string; description: string }
  /** The path itself holds the secret, so the finding never repeats it. */
  | { kind: "secret_in_path"; rule: string; description: string }
  | { kind: "secret_in_message"; line: number; rule: string; description: string };

export interface DiffCheckInput {
  /** Every path the change adds, modifies or deletes (renames as both paths). */
  paths: readonly string[];
  /** The unified diff (`git diff --cached --no-renames --text -U0`); only added lines are scanned. */
  diff: string;
  /** The commit message: it carries the model's summary, and is pushed with the change. */
  message?: string;
  /** `security.blocked_paths` and the repository's, on top of the defaults. */
  blockedPaths?: readonly string[];
  /** Exact values of the app's live secrets. */
  liveSecrets?: readonly string[];
}

const hunkHeader = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** What makes a change uncommittable: a blocked path touched, or a secret in a path, an added line or the message. */
export function diffFindings(input: DiffCheckInput): DiffFinding[] {
  const findings: DiffFinding[] = [];
  for (const path of input.paths) {
    const inPath = secretsInLine(path, input.liveSecrets);
    if (inPath.length > 0) {
      for (const match of inPath) findings.push({ kind: "secret_in_path", ...match });
      continue;
    }
    const pattern = blockingPattern(path, input.blockedPaths);
    if (pattern) findings.push({ kind: "blocked_path", path, pattern });
  }
  findings.push(...addedLineFindings(input.diff, input.liveSecrets));
  (input.message ?? "").split("\n").forEach((text, i) => {
    for (const match of secretsInLine(text, input.liveSecrets))
      findings.push({ kind: "secret_in_message", line: i + 1, ...match });
  });
  return findings;
}

/**
 * The secrets in the diff's added lines. A hunk's header says how many old and new lines it holds, and
 * they are counted off: outside a hunk a line is a file header, inside it is content, so an added line
 * that reads like a header (`++ token = …` shows as `+++ token = …`) is still scanned.
 */
function addedLineFindings(diff: string, liveSecrets: readonly string[] | undefined): DiffFinding[] {
  const findings: DiffFinding[] = [];
  let file = "";
  let lineNo = 0;
  let oldLeft = 0;
  let newLeft = 0;
  for (const line of diff.split("\n")) {
    if (oldLeft > 0 || newLeft > 0) {
      if (line.startsWith("+")) {
        for (const match of secretsInLine(line.slice(1), liveSecrets)) {
          findings.push({ kind: "secret", path: file, line: lineNo, ...match });
        }
        lineNo += 1;
        newLeft -= 1;
      } else if (line.startsWith("-")) oldLeft -= 1;
      else if (line.startsWith(" ")) {
        lineNo += 1;
        oldLeft -= 1;
        newLeft -= 1;
      }
      // `\ No newline at end of file` counts for neither side.
      continue;
    }
    if (line.startsWith("+++ ")) {
      file = line.slice(4).replace(/^b\//, "");
      // Reported as secret_in_path already; its lines are named without repeating it.
      if (secretsInLine(file, liveSecrets).length > 0) file = "(a file whose name holds a secret)";
      continue;
    }
    const hunk = hunkHeader.exec(line);
    if (hunk) {
      oldLeft = hunk[1] === undefined ? 1 : Number(hunk[1]);
      lineNo = Number(hunk[2]);
      newLeft = hunk[3] === undefined ? 1 : Number(hunk[3]);
    }
  }
  return findings;
}

/** One line per finding, for the run's error and the progress comment; never the secret's value. */
export function describeFindings(findings: readonly DiffFinding[]): string {
  return findings.map((f) => `- ${describeFinding(f)}`).join("\n");
}

function describeFinding(f: DiffFinding): string {
  switch (f.kind) {
    case "blocked_path":
      return `\`${f.path}\` is a blocked path (\`${f.pattern}\`)`;
    case "secret":
      return `\`${f.path}:${f.line}\` holds ${f.description}`;
    case "secret_in_path":
      return `a file's name holds ${f.description}`;
    case "secret_in_message":
      return `line ${f.line} of the commit message (the agent's summary) holds ${f.description}`;
  }
}
