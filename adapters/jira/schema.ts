import { z } from "zod";

/** The parts of Jira's issue answer the adapter reads; the same names on Cloud (v3) and Data Center (v2). */
export const jiraIssueSchema = z.object({
  key: z.string(),
  fields: z
    .object({
      summary: z.string().default(""),
      description: z.unknown().optional(),
      status: z.object({ name: z.string() }).nullish(),
      assignee: z.object({ displayName: z.string().optional() }).nullish(),
      issuetype: z.object({ name: z.string() }).nullish(),
      project: z.object({ key: z.string() }).nullish(),
      labels: z.array(z.string()).nullish(),
      comment: z
        .object({
          comments: z.array(
            z.object({
              author: z.object({ displayName: z.string().optional() }).nullish(),
              body: z.unknown(),
              created: z.string().nullish(),
            }),
          ),
        })
        .nullish(),
    })
    .catchall(z.unknown()),
});
export type JiraIssue = z.infer<typeof jiraIssueSchema>;

export const jiraTransitionsSchema = z.object({
  transitions: z.array(z.object({ id: z.string(), name: z.string(), to: z.object({ name: z.string() }) })),
});

export const jiraCreatedSchema = z.object({ id: z.string(), key: z.string() });

export const jiraCommentSchema = z.object({ id: z.string() });

export const jiraCommentListSchema = z.object({
  comments: z.array(
    z.object({
      id: z.string(),
      properties: z.array(z.object({ key: z.string(), value: z.unknown() })).optional(),
    }),
  ),
});
