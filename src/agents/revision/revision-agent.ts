import { z } from "zod";
import { UserFacingError } from "../../errors.ts";
import type { Logger } from "../../logging/logger.ts";
import { idempotencyMarker } from "../../plugins/idempotency-marker.ts";
import type { PullRequestReviews } from "../../plugins/pull-request-reviews.ts";
import { isSafeBranchName } from "../development/branch-name.ts";
import {
  type DevelopmentInput,
  type DevelopmentPorts,
  type DevelopmentResult,
  runDevelopmentAgent,
} from "../development/development-agent.ts";
import { type RevisionBrief, revisionBrief } from "./revision-brief.ts";
import { renderRevisionSummary, threadAnswers, threadReply } from "./revision-summary.ts";
import { selectThreads } from "./thread-selection.ts";

/** The revision agent's step inputs, as the revise workflow passes them. */
export const revisionInputSchema = z.object({
  repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/),
  pull_number: z.coerce.number().int().positive(),
  pull_request_title: z.string().default(""),
  /** The pull request's branch: one of the app's (ai/…), never the default branch. */
  branch: z.string().min(1),
  base_branch: z.string().min(1).optional(),
  /** What was asked beside the threads: the review's body, a /revise comment, failed checks (untrusted). */
  instructions: z.string().default(""),
  /** Who asked: the commit is co-authored by them and review is asked of them again. */
  requested_by: z.string().optional(),
  /** When it was asked (ISO 8601): review comments written or edited later are not read. */
  requested_at: z.string().optional(),
  /** Why the revision runs: failed checks re-request no review, a person's request does. */
  origin: z.enum(["review", "comment", "checks"]).default("review"),
  max_turns: z.int().positive().max(200).default(40),
  max_minutes: z.number().positive().max(240).default(30),
});
export type RevisionInput = z.infer<typeof revisionInputSchema>;

/** What the revision agent acts with; src/cli/revision-ports.ts gives it the real ones. */
export interface RevisionPorts {
  reviews: PullRequestReviews;
  /** The app's logins (slug and slug[bot]), lowercased. */
  appLogins: ReadonlySet<string>;
  canWrite(login: string): Promise<boolean>;
  /** Resolve the threads it addressed (`revision.resolve_threads`); off: the reviewer resolves them. */
  resolveThreads: boolean;
  /** The development agent's ports, with the revision's brief as its instructions. */
  development(brief: RevisionBrief): DevelopmentPorts;
  log: Logger;
}

export interface RevisionResult extends DevelopmentResult {
  addressed: number;
  not_addressed: number;
}

export interface NothingRevised extends Record<string, unknown> {
  commit: "";
  summary: string;
  addressed: 0;
  not_addressed: number;
}

/**
 * The revision agent: the pull request's unresolved, current review threads that a write user meant for
 * the app, and the instructions, become one change made by the development agent on the pull request's
 * own branch (its tools, sandbox and checks; a new commit, never a force-push). It then replies in each
 * thread it addressed with the commit, posts one summary that says what it left alone and why, and asks
 * the reviewers to look again.
 */
export async function runRevisionAgent(
  raw: Record<string, unknown>,
  ports: RevisionPorts,
  call: { runId: string; stepName: string; idempotencyKey: string; signal: AbortSignal },
): Promise<RevisionResult | NothingRevised> {
  const parsed = revisionInputSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new UserFacingError("invalid_agent_input", `the revision agent's inputs are invalid: ${problems}`);
  }
  const input = parsed.data;
  if (!isSafeBranchName(input.branch)) {
    throw new UserFacingError(
      "not_app_branch",
      `the pull request's branch ${JSON.stringify(input.branch)} is not one of the app's (ai/…): the revision agent pushes only to branches the app created`,
    );
  }
  const pull = { repository: input.repository, number: input.pull_number };
  const requestedAt = input.requested_at ? new Date(input.requested_at) : new Date();
  const threads = await ports.reviews.threads(pull, call.signal);
  const selection = await selectThreads(threads, {
    requestedAt,
    appLogins: ports.appLogins,
    canWrite: ports.canWrite,
  });
  const brief = revisionBrief(input, selection.addressed);
  // What this step posts, it posts once: a retry of the step (after a crash past the push) finds the
  // replies and the summary of the earlier attempt by their marks.
  const summaryKey = `${call.idempotencyKey}/summary`;
  if (selection.addressed.length === 0 && !input.instructions.trim()) {
    await ports.reviews.comment(
      pull,
      renderRevisionSummary({ commit: null, summary: "", checks: "", selection, answers: new Map() }),
      summaryKey,
      call.signal,
    );
    // Not a failure: the summary said why nothing was changed, and no commit is pushed.
    return {
      commit: "",
      summary: "nothing to revise",
      addressed: 0,
      not_addressed: selection.notAddressed.length,
    };
  }
  const development: DevelopmentInput = {
    task: {
      key: `${input.repository}#${input.pull_number}`,
      title: `Address review: ${input.pull_request_title}`,
      description: brief.task,
      status: "open",
      type: null,
      url: "",
      labels: [],
    },
    repository: input.repository,
    ...(input.base_branch ? { base_branch: input.base_branch } : {}),
    plan: "",
    // Failed checks were asked by nobody: the sender of the suite is not a co-author.
    ...(input.requested_by && input.origin !== "checks" ? { requested_by: input.requested_by } : {}),
    branch: input.branch,
    continuation: "",
    max_turns: input.max_turns,
    max_minutes: input.max_minutes,
  };
  const result = await runDevelopmentAgent(development, ports.development(brief), call);
  const answers = threadAnswers(result.summary);
  for (const { label, thread, comments } of selection.addressed) {
    const first = comments[0];
    if (!first) continue;
    const replyKey = `${call.idempotencyKey}/reply/${first.id}`;
    const mark = idempotencyMarker(replyKey);
    if (thread.comments.some((c) => c.body.includes(mark))) continue;
    await ports.reviews.reply(
      pull,
      first.id,
      threadReply(answers.get(label), result.commit),
      replyKey,
      call.signal,
    );
    if (ports.resolveThreads) await ports.reviews.resolve(thread.id, call.signal);
  }
  await ports.reviews.comment(
    pull,
    renderRevisionSummary({
      commit: result.commit,
      summary: result.summary,
      checks: result.checks,
      selection,
      answers,
    }),
    summaryKey,
    call.signal,
  );
  const reviewers = new Set<string>();
  if (input.origin !== "checks") {
    if (input.requested_by) reviewers.add(input.requested_by);
    for (const { comments } of selection.addressed)
      if (comments[0]?.author) reviewers.add(comments[0].author);
  }
  const asked = [...reviewers].filter((login) => !ports.appLogins.has(login.toLowerCase()));
  await ports.reviews.requestReview(pull, asked, call.signal);
  ports.log.info(
    {
      addressed: selection.addressed.length,
      notAddressed: selection.notAddressed.length,
      commit: result.commit,
    },
    "revision pushed",
  );
  return { ...result, addressed: selection.addressed.length, not_addressed: selection.notAddressed.length };
}
