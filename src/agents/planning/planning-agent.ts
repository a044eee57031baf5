import type { TextBlockParam, ToolUnion } from "@anthropic-ai/sdk/resources/messages/messages";
import { z } from "zod";
import { markPaidFailure } from "../../engine/model-port.ts";
import { UserFacingError } from "../../errors.ts";
import type { Logger } from "../../logging/logger.ts";
import { taskSchema } from "../../plugins/task-management.ts";
import { type AgentLoopOptions, runAgentLoop } from "../agent-loop.ts";
import type { CheckpointStore } from "../checkpoints.ts";
import type { Toolbox } from "../tools/toolbox.ts";
import { type Plan, planProblems, planSchema } from "./plan-schema.ts";
import { renderPlan } from "./render-plan.ts";

/** The planning agent's step inputs, as workflows/plan.yml passes them. */
export const planningInputSchema = z.object({
  task: taskSchema,
  repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/),
  notes: z.string().default(""),
  max_turns: z.int().positive().max(100).default(25),
  max_minutes: z.number().positive().max(120).default(20),
});
export type PlanningInput = z.infer<typeof planningInputSchema>;

/** A checkout of the default branch to read; the planning agent never commits or pushes. */
export interface PlanningWorkspace {
  readonly dir: string;
  readonly settings: { instructions?: string };
  release(): Promise<void>;
}

/** What the planning agent acts with; src/cli/planning-ports.ts gives it the real ones. */
export interface PlanningPorts {
  openWorkspace(request: {
    repository: string;
    runId: string;
    signal: AbortSignal;
  }): Promise<PlanningWorkspace>;
  /** The repository's instructions and map for this task, as the development agent gets them. */
  startingContext(request: {
    dir: string;
    task: { title: string; body: string };
    instructions: string | undefined;
  }): Promise<string>;
  /** The read-only tools for this checkout: the editor's view and search. */
  toolbox(request: { dir: string }): Promise<Toolbox>;
  /** The system prompt and first message, rendered from prompts/planning-agent.liquid. */
  instructions(input: PlanningInput): Promise<{ system: string; task: string }>;
  model: AgentLoopOptions["client"];
  scopes: readonly string[];
  modelName?: string | undefined;
  fallbackModel?: string | undefined;
  checkpoints: CheckpointStore;
  log: Logger;
}

export interface PlanningResult extends Record<string, unknown> {
  plan: Plan;
  /** The plan as the comment posted on the task. */
  markdown: string;
  summary: string;
  turns: number;
  costUsd: number;
}

export const submitPlanToolName = "submit_plan";

const submitPlanTool: ToolUnion = {
  name: submitPlanToolName,
  description:
    "Submit the finished plan. Call it once, when you have read enough; the plan is checked and, if it is malformed, you are told what to fix.",
  input_schema: z.toJSONSchema(planSchema, { io: "input" }) as Extract<
    ToolUnion,
    { input_schema: unknown }
  >["input_schema"],
};

/**
 * The planning agent: a checkout of the default branch, the model with read-only tools and a
 * `submit_plan` tool whose input is the plan, validated with zod. A malformed plan, or none at all, is
 * answered back once with what is wrong; a second failure fails the step with those words, so the run
 * ends with a clear comment instead of a retry loop.
 */
export async function runPlanningAgent(
  raw: Record<string, unknown>,
  ports: PlanningPorts,
  call: { runId: string; stepName: string; idempotencyKey: string; signal: AbortSignal },
): Promise<PlanningResult> {
  const parsed = planningInputSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UserFacingError(
      "invalid_agent_input",
      `the planning agent's inputs are invalid: ${planProblems(parsed.error)}`,
    );
  }
  const input = parsed.data;
  const workspace = await ports.openWorkspace({
    repository: input.repository,
    runId: call.runId,
    signal: call.signal,
  });
  let costUsd = 0;
  const found: { plan?: Plan; rejected?: string } = {};
  try {
    const prompt = await ports.instructions(input);
    const base = await ports.toolbox({ dir: workspace.dir });
    const tools: Pick<Toolbox, "definitions" | "dispatch"> = {
      definitions: [...base.definitions, submitPlanTool],
      async dispatch(toolCall, signal) {
        if (toolCall.name !== submitPlanToolName) return await base.dispatch(toolCall, signal);
        const answer = (content: string, isError: boolean) => ({
          result: {
            type: "tool_result" as const,
            tool_use_id: toolCall.id,
            content,
            ...(isError ? { is_error: true } : {}),
          },
          events: [],
        });
        const plan = planSchema.safeParse(toolCall.input);
        if (plan.success) {
          found.plan = plan.data;
          return answer("The plan is recorded. End your turn now.", false);
        }
        const problems = planProblems(plan.error);
        if (found.rejected !== undefined) throw malformedPlan(`it was malformed twice (${problems})`);
        found.rejected = problems;
        return answer(
          `The plan is malformed: ${problems}. Call ${submitPlanToolName} again with the whole plan fixed.`,
          true,
        );
      },
    };
    const system = async (): Promise<TextBlockParam[]> => [
      { type: "text", text: prompt.system },
      {
        type: "text",
        text: await ports.startingContext({
          dir: workspace.dir,
          task: {
            title: input.task.title,
            body: [input.task.description, input.notes].filter(Boolean).join("\n\n"),
          },
          instructions: workspace.settings.instructions,
        }),
      },
    ];
    const loop = await runAgentLoop({
      client: ports.model,
      tools,
      system,
      task: prompt.task,
      model: ports.modelName,
      fallbackModel: ports.fallbackModel,
      maxTokens: 8192,
      limits: { maxTurns: input.max_turns, maxDurationMs: input.max_minutes * 60_000 },
      call: {
        runId: call.runId,
        step: call.stepName,
        idempotencyKey: call.idempotencyKey,
        scopes: ports.scopes,
      },
      checkpoints: ports.checkpoints,
      // Nothing is written, so there is no worktree change to checkpoint.
      worktree: { snapshot: async () => ({ diff: "", baseCommit: null }), restore: async () => {} },
      signal: call.signal,
      bookkeeping: {
        save: () => ({ ...found }),
        restore: (saved) => {
          const plan = planSchema.safeParse(saved.plan);
          if (plan.success) found.plan = plan.data;
          if (typeof saved.rejected === "string") found.rejected = saved.rejected;
        },
      },
      onTurn: async (turn) => {
        costUsd = turn.costUsd;
      },
    });
    costUsd = loop.costUsd;
    let plan = found.plan;
    if (!plan) {
      if (loop.stop === "budget")
        throw malformedPlan(`the budget stopped it first (${loop.budgetMessage ?? ""})`);
      if (found.rejected !== undefined) throw malformedPlan(`its plan was malformed (${found.rejected})`);
      // The model ended without the tool: it is asked once more, with the tool required.
      const result = await ports.model.create(
        {
          model: ports.modelName,
          maxTokens: 8192,
          system: await system(),
          tools: tools.definitions,
          toolChoice: { type: "tool", name: submitPlanToolName },
          messages: [
            ...loop.messages,
            {
              role: "user",
              content: `You ended without calling ${submitPlanToolName}. Call it now with the whole plan.`,
            },
          ],
        },
        {
          runId: call.runId,
          step: call.stepName,
          idempotencyKey: `${call.idempotencyKey}/submit-plan`,
          scopes: ports.scopes,
          signal: call.signal,
          fallbackModel: ports.fallbackModel,
        },
      );
      costUsd += result.costUsd;
      const submitted = result.message.content.find(
        (block) => block.type === "tool_use" && block.name === submitPlanToolName,
      );
      if (submitted?.type !== "tool_use") throw malformedPlan("it never called submit_plan");
      const second = planSchema.safeParse(submitted.input);
      if (!second.success) throw malformedPlan(`its plan was malformed (${planProblems(second.error)})`);
      plan = second.data;
    }
    return {
      plan,
      markdown: renderPlan(plan, { runId: call.runId }),
      summary: plan.summary,
      turns: loop.turns,
      costUsd,
    };
  } catch (error) {
    throw markPaidFailure(error, costUsd);
  } finally {
    await workspace.release();
  }
}

function malformedPlan(why: string): UserFacingError {
  return new UserFacingError(
    "invalid_plan",
    `the planning agent gave no usable plan: ${why}. Nothing was created; comment \`/plan\` with notes to try again.`,
  );
}
