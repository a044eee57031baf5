import { z } from "zod";
import { trackerTriggersSchema } from "../tracker-triggers.ts";

const issueType = z.string().min(1);

/**
 * plugins/jira.config.yaml: how to reach a Jira Cloud or Data Center site and how its workflow maps to ours. The file may
 * say `provider: jira` at its top, as the plan writes it; the configuration loader checks and removes it.
 */
export const jiraConfigSchema = z.strictObject({
  connection: z
    .strictObject({
      deployment: z
        .enum(["cloud", "data_center"])
        .default("cloud")
        .describe(
          "cloud: email + API token (basic auth); data_center: Data Center / Server with a personal access token.",
        ),
      url: z.url().describe("The site, e.g. https://your-team.atlassian.net or https://jira.example.com"),
      email: z.email().optional().describe("Cloud: the account the API token belongs to."),
      api_token: z.string().min(1).optional().describe('Cloud: usually "${JIRA_API_TOKEN}".'),
      personal_access_token: z
        .string()
        .min(1)
        .optional()
        .describe('Data Center / Server: usually "${JIRA_PAT}", sent as a bearer token.'),
    })
    .superRefine((c, ctx) => {
      if (c.deployment === "cloud") {
        if (!c.email)
          ctx.addIssue({ code: "custom", path: ["email"], message: "Jira Cloud needs the account's email" });
        if (!c.api_token)
          ctx.addIssue({ code: "custom", path: ["api_token"], message: "Jira Cloud needs an API token" });
      } else if (!c.personal_access_token) {
        ctx.addIssue({
          code: "custom",
          path: ["personal_access_token"],
          message: "Jira Data Center / Server needs a personal access token",
        });
      }
    }),
  project_key: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]+$/, "a Jira project key such as ENG")
    .optional(),
  mappings: z
    .strictObject({
      epic_issue_type: issueType.optional().describe('The issue type of an epic (default "Epic").'),
      task_issue_type: issueType.optional().describe('The issue type of a task (default "Task").'),
      subtask_issue_type: issueType.optional().describe('The issue type of a subtask (default "Sub-task").'),
      epic_type: issueType.optional().describe("The plan's name for epic_issue_type."),
      task_type: issueType.optional().describe("The plan's name for task_issue_type."),
    })
    .superRefine((m, ctx) => {
      for (const [plan, ours] of [
        ["epic_type", "epic_issue_type"],
        ["task_type", "task_issue_type"],
      ] as const) {
        if (m[plan] !== undefined && m[ours] !== undefined)
          ctx.addIssue({ code: "custom", path: [plan], message: `give ${plan} or ${ours}, not both` });
      }
    })
    // One shape for the adapter, whichever names the file used.
    .transform((m) => ({
      epic_issue_type: m.epic_issue_type ?? m.epic_type ?? "Epic",
      task_issue_type: m.task_issue_type ?? m.task_type ?? "Task",
      subtask_issue_type: m.subtask_issue_type ?? "Sub-task",
    }))
    .prefault({}),
  statuses: z
    .strictObject({
      trigger: z.string().min(1).default("AI Assigned").describe("Moving an issue here starts a run."),
      todo: z.string().min(1).default("To Do"),
      in_progress: z.string().min(1).default("In Progress"),
      in_review: z.string().min(1).default("In Review"),
      done: z.string().min(1).default("Done"),
      blocked: z
        .string()
        .min(1)
        .optional()
        .describe("Where update_status(blocked) moves an issue; unset refuses it."),
    })
    .prefault({}),
  custom_fields: z
    .strictObject({
      repo_url: z
        .string()
        .regex(/^customfield_\d+$/, "a field id such as customfield_10042")
        .optional(),
      pr_url: z
        .string()
        .regex(/^customfield_\d+$/, "a field id such as customfield_10043")
        .optional(),
      epic_link: z
        .string()
        .regex(/^customfield_\d+$/, "a field id such as customfield_10008")
        .optional()
        .describe(
          "Data Center / Server: the Epic Link field that ties a task to its epic (Cloud uses parent).",
        ),
    })
    .prefault({}),
  webhook_secret: z
    .string()
    .min(1)
    .optional()
    .describe(
      "The secret Jira signs webhooks with (X-Hub-Signature); required with triggers, which POST /api/jira/webhooks verifies with it.",
    ),
  triggers: trackerTriggersSchema("Jira", "project")
    .optional()
    .describe(
      "Tickets as triggers: moving one to statuses.trigger starts the default workflow (POST /api/jira/webhooks).",
    ),
});
export type JiraConfig = z.infer<typeof jiraConfigSchema>;
