import type { Octokit } from "@octokit/rest";
import { z } from "zod";
import type { RunTrigger } from "./run-request.ts";

// GET /repos/{owner}/{repo}/check-suites/{check_suite_id}/check-runs and
// GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations, as far as read here.
const checkRunsSchema = z.object({
  check_runs: z.array(
    z.object({
      id: z.int(),
      name: z.string(),
      conclusion: z.string().nullable(),
      output: z.object({
        title: z.string().nullish(),
        summary: z.string().nullish(),
        annotations_count: z.int().nullish(),
      }),
    }),
  ),
});
const annotationsSchema = z.array(
  z.object({
    path: z.string(),
    start_line: z.int().nullish(),
    end_line: z.int().nullish(),
    annotation_level: z.string().nullish(),
    title: z.string().nullish(),
    message: z.string(),
  }),
);

/** The conclusions that mean a check asks for a change. */
const failed = new Set(["failure", "timed_out", "action_required"]);
const maxAnnotations = 50;
const maxSummaryChars = 4000;

/**
 * A failed check suite as instructions for a revision: each failing check run's title, summary and
 * annotations (file, line, message), read from GitHub when the trigger is accepted. All of it is written
 * by whatever ran the checks: untrusted text for the agent.
 */
export async function readCheckFailures(
  github: Pick<Octokit, "request">,
  trigger: RunTrigger,
  checkSuiteId: number,
): Promise<string> {
  const repo = { owner: trigger.repository.owner, repo: trigger.repository.name };
  const response = await github.request(
    "GET /repos/{owner}/{repo}/check-suites/{check_suite_id}/check-runs",
    {
      ...repo,
      check_suite_id: checkSuiteId,
      per_page: 100,
    },
  );
  const runs = checkRunsSchema.parse(response.data).check_runs.filter((r) => failed.has(r.conclusion ?? ""));
  const parts: string[] = [];
  for (const run of runs) {
    const lines = [`Check "${run.name}" concluded ${run.conclusion}.`];
    if (run.output.title) lines.push(run.output.title);
    if (run.output.summary) lines.push(run.output.summary.slice(0, maxSummaryChars));
    if ((run.output.annotations_count ?? 0) > 0) {
      const listed = await github.request("GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations", {
        ...repo,
        check_run_id: run.id,
        per_page: maxAnnotations,
      });
      for (const a of annotationsSchema.parse(listed.data)) {
        const place = a.start_line ? `${a.path} line ${a.start_line}` : a.path;
        lines.push(
          `- ${a.annotation_level ?? "note"} at ${place}: ${a.title ? `${a.title}: ` : ""}${a.message}`,
        );
      }
    }
    parts.push(lines.join("\n"));
  }
  return (
    parts.join("\n\n") || `Check suite ${checkSuiteId} failed, and GitHub lists no failing check run in it.`
  );
}
