import { z } from "zod";

const named = z.object({ name: z.string() });
const person = z.object({ displayName: z.string().nullish(), name: z.string().nullish() }).nullish();

export const linearIssueSchema = z.object({
  issue: z.object({
    id: z.string(),
    identifier: z.string(),
    title: z.string(),
    description: z.string().nullish(),
    url: z.string(),
    state: named.nullish(),
    assignee: person,
    labels: z.object({ nodes: z.array(named) }).nullish(),
    comments: z
      .object({
        nodes: z.array(z.object({ body: z.string(), createdAt: z.string().nullish(), user: person })),
      })
      .nullish(),
  }),
});

export const linearIssueStatesSchema = z.object({
  issue: z.object({
    id: z.string(),
    identifier: z.string(),
    state: named.nullish(),
    team: z.object({ states: z.object({ nodes: z.array(z.object({ id: z.string(), name: z.string() })) }) }),
  }),
});

export const linearIssueTeamSchema = z.object({
  issue: z.object({ id: z.string(), identifier: z.string(), team: z.object({ id: z.string() }) }),
});

export const linearTeamsSchema = z.object({
  teams: z.object({ nodes: z.array(z.object({ id: z.string(), key: z.string() })) }),
});

// Every Linear mutation answers `{ success, <entity> }`: each schema folds it to `{ success, entity }`.
export const linearMoveSchema = z
  .object({ issueUpdate: z.object({ success: z.boolean(), issue: z.object({ id: z.string() }).nullish() }) })
  .transform((d) => ({ success: d.issueUpdate.success, entity: d.issueUpdate.issue }));
export const linearCommentSchema = z
  .object({
    commentCreate: z.object({
      success: z.boolean(),
      comment: z.object({ id: z.string(), url: z.string().nullish() }).nullish(),
    }),
  })
  .transform((d) => ({ success: d.commentCreate.success, entity: d.commentCreate.comment }));
export const linearAttachmentSchema = z
  .object({
    attachmentCreate: z.object({ success: z.boolean(), attachment: z.object({ id: z.string() }).nullish() }),
  })
  .transform((d) => ({ success: d.attachmentCreate.success, entity: d.attachmentCreate.attachment }));
export const linearCreatedIssueSchema = z
  .object({
    issueCreate: z.object({
      success: z.boolean(),
      issue: z.object({ id: z.string(), identifier: z.string(), url: z.string() }).nullish(),
    }),
  })
  .transform((d) => ({ success: d.issueCreate.success, entity: d.issueCreate.issue }));

export const linearCommentByIdSchema = z.object({
  comment: z.object({ id: z.string(), url: z.string().nullish() }),
});
