import { placeOfThread, type ThreadSelection } from "./thread-selection.ts";

const answerLine = /^\s*[-*]?\s*\**\[?(T\d+)\]?\**\s*[:\u2013\u2014-]\s*(.+)$/gm;

/** The model's one line per thread (`T1: renamed the helper`), by label; its last word on a label wins. */
export function threadAnswers(summary: string): Map<string, string> {
  const answers = new Map<string, string>();
  for (const match of summary.matchAll(answerLine)) {
    if (match[1] && match[2]) answers.set(match[1], match[2].trim());
  }
  return answers;
}

/** The reply in a thread: what changed (the model's words), and the commit that holds it. */
export function threadReply(answer: string | undefined, commit: string): string {
  const what = answer?.slice(0, 1000) || "Addressed";
  return `${what}\n\nChanged in ${commit}.`;
}

/** The one summary comment of a revision: the commit, the checks, and every comment it left alone. */
export function renderRevisionSummary(options: {
  commit: string | null;
  summary: string;
  checks: string;
  selection: ThreadSelection;
  answers: ReadonlyMap<string, string>;
}): string {
  const { selection } = options;
  const parts: string[] = [];
  if (options.commit) {
    parts.push(`Revised this pull request in ${options.commit}.`);
    if (selection.addressed.length > 0) {
      parts.push(
        `Addressed:\n${selection.addressed
          .map(
            ({ label, thread }) => `- ${placeOfThread(thread)}: ${options.answers.get(label) ?? "addressed"}`,
          )
          .join("\n")}`,
      );
    }
    if (options.checks) parts.push(`Checks run by the app:\n${options.checks}`);
  } else {
    parts.push("Nothing was changed: no review comment or instruction was meant for the app.");
  }
  if (selection.notAddressed.length > 0) {
    parts.push(
      `Not addressed:\n${selection.notAddressed
        .map((s) => `- @${s.author ?? "ghost"} on ${placeOfThread(s.thread)}: ${s.why}.`)
        .join("\n")}`,
    );
  }
  return parts.join("\n\n");
}
