import { z } from "zod";
import type { ActionSpec, AdapterFor } from "./action-spec.ts";

const repository = z.string().regex(/^[\w.-]+\/[\w.-]+$/, "expected owner/name");

export const pullRequestSchema = z.object({
  number: z.int().positive(),
  url: z.string(),
  /** False when a pull request for the branch already existed and was returned instead. */
  created: z.boolean(),
});

export const versionControlActions = {
  open_pull_request: {
    description:
      "Opens a pull request from head into base; when one is already open for head, updates its title and body instead.",
    input: z.strictObject({
      repository,
      head: z.string().min(1),
      base: z.string().min(1),
      title: z.string().min(1),
      body: z.string().default(""),
      draft: z.boolean().default(false),
    }),
    output: pullRequestSchema,
    sideEffects: true,
    resultName: "pull_request",
    delivers: true,
  },
  comment: {
    description: "Comments on an issue or a pull request.",
    input: z.strictObject({ repository, number: z.int().positive(), body: z.string().min(1) }),
    output: z.object({ comment_id: z.string(), url: z.string() }),
    sideEffects: true,
  },
  get_repository: {
    description: "Reads a repository's default branch and the URL git clones it from.",
    input: z.strictObject({ repository }),
    output: z.object({
      repository: z.string(),
      default_branch: z.string(),
      /** As the API returns it: GitHub Enterprise Server and local stand-ins answer with their own host. */
      clone_url: z.string(),
      url: z.string(),
      private: z.boolean(),
    }),
    sideEffects: false,
  },
  request_review: {
    description:
      "Requests a review of a pull request from people; one who cannot be asked is reported, not fatal.",
    input: z.strictObject({
      repository,
      number: z.int().positive(),
      reviewers: z.array(z.string().min(1)).min(1),
    }),
    output: z.object({
      requested: z.array(z.string()),
      /** Why a review could not be requested (not a collaborator, the author of the pull request…). */
      not_requested: z.string().nullable().default(null),
    }),
    sideEffects: true,
  },
  delete_branch: {
    description: "Deletes a branch; deleting a branch that is already gone succeeds.",
    input: z.strictObject({ repository, branch: z.string().min(1) }),
    output: z.object({ deleted: z.boolean() }),
    sideEffects: true,
    undoesDelivery: true,
  },
} satisfies Record<string, ActionSpec>;

/** The plan's action names, as aliases of the catalog's (see taskManagementAliases). */
export const versionControlAliases = {
  create_pull_request: "open_pull_request",
} as const satisfies Record<string, keyof typeof versionControlActions>;

export type VersionControlAdapter = AdapterFor<typeof versionControlActions>;
