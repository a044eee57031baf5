import type { Octokit } from "@octokit/rest";
import { z } from "zod";
import { UserFacingError } from "../../src/errors.ts";
import { type GithubCallOptions, githubCall } from "./github-call.ts";

const ghesRestSuffix = /\/api\/v3\/?$/;

/**
 * GitHub's GraphQL endpoint beside the client's REST one: `/graphql` on github.com, `/api/graphql` on
 * GitHub Enterprise Server (whose REST API is under `/api/v3`), as @octokit/graphql computes it.
 */
export function graphqlUrl(restBaseUrl: string): string {
  return ghesRestSuffix.test(restBaseUrl)
    ? restBaseUrl.replace(ghesRestSuffix, "/api/graphql")
    : `${restBaseUrl.replace(/\/$/, "")}/graphql`;
}

// GitHub answers a GraphQL request 200 with `errors` when it refuses it (a missing permission included).
const graphqlAnswerSchema = z.object({
  data: z.unknown().optional(),
  errors: z.array(z.object({ message: z.string(), type: z.string().optional() })).optional(),
});

/**
 * One GraphQL request through the installation's REST client (the adapters get no other), with the REST
 * calls' rate-limit handling and errors that say what failed. Only for what REST cannot do, such as
 * marking a draft pull request ready for review.
 */
export async function githubGraphql(
  octokit: Pick<Octokit, "request">,
  what: string,
  query: string,
  variables: Record<string, unknown>,
  options: GithubCallOptions & { signal: AbortSignal },
): Promise<unknown> {
  const url = graphqlUrl(octokit.request.endpoint.DEFAULTS.baseUrl);
  const response = await githubCall(
    what,
    () => octokit.request({ method: "POST", url, query, variables, request: { signal: options.signal } }),
    options,
  );
  const answer = graphqlAnswerSchema.parse(response.data);
  if (answer.errors && answer.errors.length > 0) {
    const said = answer.errors.map((e) => e.message).join("; ");
    if (answer.errors.some((e) => e.type === "FORBIDDEN")) {
      throw new UserFacingError(
        "github_forbidden",
        `${what}: GitHub refused (${said}): the app lacks a permission; grant pull requests: read & write in the GitHub App's settings and accept the new permissions on the installation`,
      );
    }
    throw new UserFacingError("github_error", `${what}: GitHub refused the request (${said})`);
  }
  return answer.data;
}
