import { appIdentity } from "../../adapters/github/app-identity.ts";
import { githubPullRequestReviews } from "../../adapters/github/pull-request-reviews.ts";
import type { RevisionPorts } from "../agents/revision/revision-agent.ts";
import { authorizeActor } from "../runs/authorize.ts";
import { type DevelopmentWiring, developmentPorts } from "./development-ports.ts";

/** A pull request's diff in the prompt is cut here: the agent reads the rest with its tools. */
const maxDiffChars = 60_000;

/**
 * The revision agent's ports in production: the pull request's review threads through the installation,
 * write access asked of GitHub per author, and the development agent's checkout, tools, sandbox and
 * checks with the revision prompt (prompts/revision-agent.liquid) and the pull request's diff.
 */
export async function revisionPorts(
  wiring: DevelopmentWiring & { resolveThreads: boolean },
  call: { runId: string; stepName: string; leaseEpoch: number },
  repository: string,
): Promise<RevisionPorts> {
  const octokit = await wiring.github.client(wiring.installationId);
  // The app's own login, as GraphQL names authors (its slug) and as REST does (slug[bot]).
  const app = await appIdentity(wiring.github, wiring.installationId);
  const appLogins = new Set([app.slug.toLowerCase(), `${app.slug.toLowerCase()}[bot]`]);
  const [owner = "", name = ""] = repository.split("/");
  const writers = new Map<string, Promise<boolean>>();
  return {
    reviews: githubPullRequestReviews(octokit),
    appLogins,
    resolveThreads: wiring.resolveThreads,
    canWrite(login) {
      let known = writers.get(login);
      if (!known) {
        // GraphQL gives no author type: a login that is an app's is refused by its [bot] suffix there.
        known = authorizeActor(octokit, { owner, name }, { login, type: "User" }).then((d) => d.allowed);
        writers.set(login, known);
      }
      return known;
    },
    development(brief) {
      let diff = "";
      const development = developmentPorts(wiring, call, {
        file: "revision-agent.liquid",
        async variables(input, branch) {
          return {
            ...brief,
            repository: input.repository,
            branch,
            base_branch: input.base_branch ?? "the default branch",
            diff: diff.length > maxDiffChars ? `${diff.slice(0, maxDiffChars)}\n[diff cut here]` : diff,
          };
        },
      });
      return {
        ...development,
        async openWorkspace(request) {
          const workspace = await development.openWorkspace(request);
          diff = (await workspace.branchDiff?.()) ?? "";
          return workspace;
        },
      };
    },
    log: wiring.log,
  };
}
