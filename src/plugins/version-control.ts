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
    description: "Opens a pull request from head into base; returns the open one for head if there is one.",
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
    delivers: true,
  },
  comment: {
    description: "Comments on an issue or a pull request.",
    input: z.strictObject({ repository, number: z.int().positive(), body: z.string().min(1) }),
    output: z.object({ comment_id: z.string(), url: z.string() }),
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

export type VersionControlAdapter = AdapterFor<typeof versionControlActions>;
