import { z } from "zod";

/**
 * What a development run that stopped at a limit says about itself: in the pull request it leaves as a
 * draft, in its progress comment, and to the `/revise continue` that picks the work up. One place, so
 * the three say the same.
 */
const stopWords: Record<string, string> = {
  max_turns: "it reached its turn limit",
  time_limit: "it reached its time limit",
  budget: "the budget ran out",
};

/** Why the agent stopped, in words ("it reached its turn limit"), with the limit's own words when given. */
export function stopReason(stop: string, detail = ""): string {
  const reason = stopWords[stop] ?? `it stopped (${stop})`;
  return detail.trim() ? `${reason} — ${detail.trim().replace(/\.$/, "")}` : reason;
}

/** The question the model answers when a turn or time limit stops it (see the agent loop's `wrapUp`). */
export function wrapUpQuestion(stop: "max_turns" | "time_limit"): string {
  return [
    `You have reached the ${stop === "max_turns" ? "turn" : "time"} limit of this session: no more tools will run.`,
    "Your work so far will be committed as it is and continued later, by you or someone else, on this branch.",
    "Do not call any tool. Reply with two short lists: what is done, and what remains to finish the task.",
  ].join(" ");
}

/** Said when the model could not be asked (the budget ran out) or said nothing. */
export const remainingUnknown = "The agent could not say; compare the task with the changes on this branch.";

// The development step's outputs as the engine stored them (see DevelopmentResult).
const incompleteOutputsSchema = z.object({
  incomplete: z.literal(true),
  branch: z.string().min(1),
  stop: z.string(),
  remaining: z.string().default(""),
  stop_detail: z.string().default(""),
});

export interface IncompleteWork {
  /** The step that stopped (the workflow's agent step, `develop` in the shipped ones). */
  step: string;
  branch: string;
  stop: string;
  remaining: string;
  /** The limit's own words when it has them: for the budget, which cap, how much, and how to go on. */
  detail: string;
}

/** The last agent step of a run that finished its part but stopped at a limit; undefined when none did. */
export function incompleteWorkOf(
  stepRuns: readonly { stepName: string; phase: string; kind: string; status: string; outputs: unknown }[],
): IncompleteWork | undefined {
  let found: IncompleteWork | undefined;
  for (const step of stepRuns) {
    if (step.kind !== "agent" || step.phase !== "main" || step.status !== "succeeded") continue;
    const outputs = incompleteOutputsSchema.safeParse(step.outputs);
    if (outputs.success) {
      const { stop_detail: detail, ...rest } = outputs.data;
      found = { step: step.stepName, ...rest, detail };
    }
  }
  return found;
}

const continueHint =
  "Comment `/revise continue [notes]` on the pull request to pick the work up on its branch.";

/** The section the body of a draft pull request of unfinished work opens with. */
export function incompletePullRequestNote(
  work: Pick<IncompleteWork, "stop" | "remaining"> & { detail?: string },
): string {
  return [
    `> [!WARNING]`,
    `> **Incomplete.** The agent stopped before it finished: ${stopReason(work.stop, work.detail)}. This draft holds the work so far.`,
    "",
    "## What remains",
    "",
    work.remaining.trim() || remainingUnknown,
    "",
    continueHint,
    "",
    "",
  ].join("\n");
}

/** Lines for the progress comment of a run whose agent stopped at a limit. */
export function incompleteProgressLines(work: IncompleteWork): string[] {
  const remaining = (work.remaining.trim() || remainingUnknown).split("\n").map((line) => `> ${line}`);
  return [
    `**Incomplete:** \`${work.step}\` stopped before the work was done (${stopReason(work.stop, work.detail)}); the pull request is a draft with the work so far on \`${work.branch}\`.`,
    "",
    "What remains:",
    ...remaining,
    "",
    continueHint,
  ];
}
