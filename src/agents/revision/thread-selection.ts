import type { ReviewThread, ReviewThreadComment } from "../../plugins/pull-request-reviews.ts";

export interface AddressedThread {
  /** How the agent's instructions and its answer name the thread: T1, T2, … */
  label: string;
  thread: ReviewThread;
  /** The comments read as instructions: the thread's, as they stood at the trigger. */
  comments: ReviewThreadComment[];
}

export interface SkippedThread {
  thread: ReviewThread;
  /** Who opened the thread. */
  author: string | null;
  /** Why it is not addressed, in words for the summary comment. */
  why: string;
}

export interface ThreadSelection {
  addressed: AddressedThread[];
  notAddressed: SkippedThread[];
}

export interface SelectionRules {
  /** When the revision was asked for: comments written or edited after it are not read. */
  requestedAt: Date;
  /** The app's own logins (its slug and `slug[bot]`), lowercased: its comments and @mentions of it. */
  appLogins: ReadonlySet<string>;
  /** Whether the person may write to the repository: only their comments are instructions. */
  canWrite(login: string): Promise<boolean>;
}

const mentionPattern = /(?:^|[^\w`])@([A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?)/g;

/** The logins a comment @mentions, outside inline code. */
export function mentionsOf(body: string): string[] {
  const withoutCode = body.replace(/```[\s\S]*?```/g, "").replace(/`[^`]*`/g, "");
  return [...withoutCode.matchAll(mentionPattern)].map((m) => m[1] ?? "").filter(Boolean);
}

/**
 * Which unresolved, current review threads the revision acts on, and why each other one is left alone.
 * Comments meant for a colleague are not instructions: a thread that @mentions someone other than the
 * app, or where people answer each other, is listed as not addressed. Resolved and outdated threads are
 * finished business and are not listed.
 */
export async function selectThreads(
  threads: readonly ReviewThread[],
  rules: SelectionRules,
): Promise<ThreadSelection> {
  const isApp = (login: string | null) => login !== null && rules.appLogins.has(login.toLowerCase());
  const selection: ThreadSelection = { addressed: [], notAddressed: [] };
  for (const thread of threads) {
    if (thread.isResolved || thread.isOutdated) continue;
    // What was written after the request is not part of it; a thread opened after it is not seen at all.
    const comments = thread.comments.filter((c) => new Date(c.createdAt) <= rules.requestedAt);
    const first = comments[0];
    if (!first || isApp(first.author)) continue;
    const skip = (why: string) => selection.notAddressed.push({ thread, author: first.author, why });
    if (comments.some((c) => c.lastEditedAt !== null && new Date(c.lastEditedAt) > rules.requestedAt)) {
      skip("it was edited after the revision was asked for, and edits are not read");
      continue;
    }
    const people = [...new Set(comments.map((c) => c.author).filter((a) => a !== null && !isApp(a)))];
    if (people.length > 1) {
      skip(`it is a conversation between ${people.map((p) => `@${p}`).join(" and ")}`);
      continue;
    }
    const others = [...new Set(comments.flatMap((c) => mentionsOf(c.body)).filter((login) => !isApp(login)))];
    if (others.length > 0) {
      skip(`it is addressed to ${others.map((p) => `@${p}`).join(", ")}, not to the app`);
      continue;
    }
    if (first.author === null || !(await rules.canWrite(first.author))) {
      skip(`@${first.author ?? "ghost"} has no write access to the repository`);
      continue;
    }
    selection.addressed.push({
      label: `T${selection.addressed.length + 1}`,
      thread,
      comments: comments.filter((c) => !isApp(c.author)),
    });
  }
  return selection;
}

/** `src/a.ts` line 12, lines 10–12, or the file. */
export function placeOfThread(thread: Pick<ReviewThread, "path" | "line" | "startLine">): string {
  const file = `\`${thread.path}\``;
  if (thread.line === null) return file;
  return thread.startLine !== null && thread.startLine !== thread.line
    ? `${file} lines ${thread.startLine}–${thread.line}`
    : `${file} line ${thread.line}`;
}
