import { z } from "zod";
import { defaultModel } from "../ai/model-deprecations.ts";

/**
 * The global settings in ai-dev.config.yaml. This schema is the source of truth: the TypeScript type,
 * the defaults, the error messages and the JSON Schema for editors (schemas/ai-dev.config.schema.json)
 * all come from it.
 */
const money = z.number().nonnegative();

const pluginSlot = <P extends [string, ...string[]]>(
  providers: P,
  defaultProvider: P[number],
  enabled: boolean,
) =>
  z
    .strictObject({
      provider: z
        .enum(providers)
        .default(defaultProvider)
        .describe('Which service fills this slot; "custom" with module: a team\'s own provider.'),
      module: z
        .string()
        .min(1)
        .optional()
        .describe(
          "With provider: custom, a module (relative to this file) whose default export is a factory returning the slot's adapter.",
        ),
      enabled: z.boolean().default(enabled),
      config_file: z
        .string()
        .optional()
        .describe(
          "A YAML file with this provider's settings, relative to this file (e.g. ./plugins/jira.config.yaml).",
        ),
      config: z
        .record(z.string(), z.unknown())
        .optional()
        .describe(
          "This provider's settings inline, instead of config_file; each provider checks its own section.",
        ),
    })
    .refine((slot) => !(slot.config && slot.config_file), { message: "give config or config_file, not both" })
    .refine((slot) => ((slot.provider as string) === "custom") === (slot.module !== undefined), {
      message: "provider: custom needs module: ./path/to/provider.js, and module needs provider: custom",
      path: ["module"],
    })
    .prefault({});

export const systemSchema = z
  .strictObject({
    name: z.string().min(1).default("AI Dev").describe("Shown in comments and PR bodies."),
    workspace_dir: z.string().min(1).default("./workspaces").describe("Where agents check out repositories."),
    max_concurrent_agents: z
      .int()
      .min(1)
      .max(64)
      .default(5)
      .describe("Runs executed at once by one process."),
  })
  .prefault({});

export const aiProviderSchema = z
  .strictObject({
    type: z.literal("anthropic").default("anthropic"),
    model: z
      .string()
      .min(1)
      .default(defaultModel)
      .describe(
        "The exact model id every AI step uses by default. A model on Anthropic's deprecation list is warned about at start, and one past its end of life is refused.",
      ),
    api_key: z.string().min(1).optional().describe('Usually "${ANTHROPIC_API_KEY}"; never written to logs.'),
    base_url: z.url().optional().describe("Another Messages API endpoint (a proxy, or a test server)."),
    pricing: z
      .record(
        z.string().min(1),
        z.strictObject({
          input: money,
          output: money,
          cache_write_5m: money,
          cache_write_1h: money,
          cache_read: money,
        }),
      )
      .optional()
      .describe(
        "US dollars per million tokens by exact model id; replaces or adds to the built-in price table.",
      ),
  })
  .prefault({});

export const pluginsSchema = z
  .strictObject({
    task_management: pluginSlot(["jira", "linear", "github", "custom"], "github", true),
    version_control: pluginSlot(["github", "custom"], "github", true),
    documentation: pluginSlot(["confluence", "docs", "custom"], "confluence", false),
    communication: pluginSlot(["slack", "custom"], "slack", false),
  })
  .prefault({});

export const workflowsSchema = z
  .strictObject({
    default: z
      .string()
      .min(1)
      .default("implement-issue")
      .describe(
        "The workflow an ai-implement label starts, by its file name without .yml; the plan's names standard_dev_workflow, hotfix_workflow and documentation_only_workflow name the shipped implement-issue, hotfix and documentation-only.",
      ),
    config_dir: z.string().min(1).default("./workflows"),
  })
  .prefault({});

export const securitySchema = z
  .strictObject({
    require_approval_for_merge: z
      .literal(true, { error: "must be true: ai-dev opens pull requests and never merges them" })
      .default(true),
    sandbox_agents: z.boolean().default(true).describe("Run agent commands in a sandboxed workspace."),
    trigger_label: z.string().min(1).default("ai-implement"),
    blocked_paths: z
      .array(z.string().min(1))
      .default([".github/workflows/**", ".env", ".env.*", "**/*.pem", "**/*.key", "**/secrets/**"])
      .describe("Globs an agent may neither read nor write."),
    allowed_commands: z
      .array(z.string().min(1))
      .optional()
      .describe(
        "Unset: any command may run in the sandbox. Set: only these command lines, or one of them followed by arguments, with no shell chaining (; & | $ ` < > ( )).",
      ),
    comment_rate_limit: z
      .strictObject({
        max_comments: z.int().positive().default(60).describe("Comments the app may post per window."),
        window_minutes: z.int().positive().default(60).describe("The sliding window, in minutes."),
      })
      .prefault({})
      .describe(
        "The app's own new comments per installation (answers, refusals, progress comments); what is over is logged and audited, not posted. Edits of a progress comment are not counted.",
      ),
    api_rate_limit: z
      .strictObject({
        requests: z.int().positive().default(120).describe("Requests one API token may make per window."),
        window_seconds: z.int().positive().default(60).describe("The window, in seconds."),
      })
      .prefault({})
      .describe(
        "Requests per API token to /api/v1 in each process; over it the API answers 429 with Retry-After.",
      ),
  })
  .prefault({});

export const limitsSchema = z
  .strictObject({
    max_cost_per_task: money.default(5).describe("US dollars one task may spend on the model."),
    // 500,000 fits an agent run of ~30 turns on a 30k-token prefix (~233,000 counted tokens, plus its
    // last turn's worst-case hold of ~90,000) with room for the other steps: test/budget/token-caps.test.ts.
    max_tokens_per_task: z
      .int()
      .positive()
      .default(500_000)
      .describe(
        "Tokens one task may use: input, cache writes and output count in full; a token read from the prompt cache counts as a tenth (its price weight), since an agent re-reads its conversation every turn.",
      ),
    monthly_budget: money.default(500).describe("US dollars per calendar month (UTC) for the installation."),
  })
  .prefault({});

export const revisionSchema = z
  .strictObject({
    max_rounds_per_pull_request: z
      .int()
      .positive()
      .default(5)
      .describe("Revision runs one pull request may have (reviews, /revise and failed checks together)."),
    resolve_threads: z
      .boolean()
      .default(false)
      .describe("Resolve the review threads a revision addressed; off: the reviewers resolve them."),
    failed_checks: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe("A check suite that fails on the app's pull request starts a revision."),
        max_rounds: z
          .int()
          .positive()
          .default(2)
          .describe("Revisions of one pull request that failed checks may start."),
      })
      .prefault({}),
  })
  .prefault({})
  .describe("How the app revises its own pull requests: reviews, /revise and failed checks.");

export const appConfigSchema = z
  .strictObject({
    system: systemSchema,
    ai_provider: aiProviderSchema,
    plugins: pluginsSchema,
    workflows: workflowsSchema,
    security: securitySchema,
    limits: limitsSchema,
    revision: revisionSchema,
  })
  .describe("ai-dev global configuration (ai-dev.config.yaml)");

export type AppConfig = z.infer<typeof appConfigSchema>;
export type Limits = z.infer<typeof limitsSchema>;
export type PluginSlotName = keyof AppConfig["plugins"];
