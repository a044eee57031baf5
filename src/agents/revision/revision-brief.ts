import { type AddressedThread, placeOfThread } from "./thread-selection.ts";

/** What the revision's prompt is rendered from: the threads and instructions, as text (untrusted). */
export interface RevisionBrief {
  pull_number: number;
  pull_request_title: string;
  /** The addressed threads, each under its label (T1, …) with its place and comments. */
  threads: string;
  instructions: string;
  origin: "review" | "comment" | "checks";
  /** The threads and instructions together: the task the starting context is ranked for. */
  task: string;
}

export function revisionBrief(
  input: {
    pull_number: number;
    pull_request_title: string;
    instructions: string;
    origin: RevisionBrief["origin"];
  },
  addressed: readonly AddressedThread[],
): RevisionBrief {
  const threads = addressed
    .map(({ label, thread, comments }) => {
      const said = comments.map((c) => `@${c.author ?? "ghost"}: ${c.body.trim()}`).join("\n");
      return `[${label}] on ${placeOfThread(thread)}:\n${said}`;
    })
    .join("\n\n");
  return {
    pull_number: input.pull_number,
    pull_request_title: input.pull_request_title,
    threads,
    instructions: input.instructions.trim(),
    origin: input.origin,
    task: [input.instructions.trim(), threads].filter(Boolean).join("\n\n"),
  };
}
