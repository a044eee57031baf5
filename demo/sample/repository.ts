/**
 * The sample the demo works on: a tiny repository with a bug and a test that catches it, and the issue
 * that asks for the fix. The end-to-end test and the orchestration bench run the same task.
 */
import { labeledIssue } from "../stand-ins/webhook-examples.ts";

/** `.github/ai-dev.yml` of the sample: the app runs `sh test.sh` itself once the model is done. */
export const sampleSettings = "commands:\n  test: sh test.sh\n";

export const sampleRepository = {
  /** GitHub's example repository, so the webhook examples' other fields fit it unchanged. */
  fullName: "Codertocat/Hello-World",
  /** The bare repository's directory name under the git server's root. */
  bareName: "Hello-World.git",
  defaultBranch: "main",
  files: {
    "greeting.txt": "Hello, wrld\n",
    "test.sh":
      'grep -q "Hello, world" greeting.txt || { echo "greeting.txt has a typo"; exit 1; }\necho ok\n',
    ".github/ai-dev.yml": sampleSettings,
  } as Record<string, string>,
};

export interface SampleIssue {
  number: number;
  title: string;
  body: string;
  /** Who adds the label: a collaborator with write access, co-author of the commit, asked to review. */
  labeledBy: string;
}

export const sampleIssue: SampleIssue = {
  number: 7,
  title: "Fix the typo in the greeting",
  body: "greeting.txt says wrld.",
  labeledBy: "Codertocat",
};

/** GitHub's issues.labeled example, as GitHub sends it when `issue` gets the trigger label. */
export function labeledPayload(issue: SampleIssue, installationId: number): Record<string, unknown> {
  const payload = labeledIssue(issue.number, installationId) as Record<string, unknown> & {
    issue: { title: string; body: string | null };
    repository: { default_branch: string };
    sender: { login: string };
  };
  payload.issue.title = issue.title;
  payload.issue.body = issue.body;
  payload.repository.default_branch = sampleRepository.defaultBranch;
  payload.sender.login = issue.labeledBy;
  return payload;
}
