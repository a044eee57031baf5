import path from "node:path";
import { githubAdapters } from "../../adapters/github/index.ts";
import { resolvePluginAdapters } from "../../adapters/registry.ts";
import { runDevelopmentAgent } from "../agents/development/development-agent.ts";
import { fileInputSchema, filePlan } from "../agents/planning/file-plan.ts";
import { databasePlanStore } from "../agents/planning/plan-store.ts";
import { runPlanningAgent } from "../agents/planning/planning-agent.ts";
import { runRevisionAgent } from "../agents/revision/revision-agent.ts";
import { createAnthropic, ModelClient } from "../ai/client.ts";
import { priceTableFromConfig } from "../ai/pricing.ts";
import { StepModel } from "../ai/step-model.ts";
import { allScopes } from "../budget/scopes.ts";
import type { AppDatabase } from "../db/connect.ts";
import type { AgentCallContext, AgentPort } from "../engine/agent-port.ts";
import type { WorkflowRegistry } from "../engine/loaded-workflow.ts";
import { getRun } from "../engine/run-store.ts";
import { UserFacingError } from "../errors.ts";
import type { CommunicationAdapter } from "../plugins/communication.ts";
import type { GithubAccess } from "../plugins/github-access.ts";
import { taskSchema } from "../plugins/task-management.ts";
import { scopesOfRun } from "../runs/run-budget.ts";
import type { RunRef } from "../runs/run-ref.ts";
import { runRequestSchema } from "../runs/run-request.ts";
import { databaseThreadStore } from "../runs/run-threads.ts";
import { snapshotTask, withTaskSnapshot } from "../runs/task-snapshot.ts";
import type { EngineServices } from "../runs/worker.ts";
import type { AppContext } from "./app-context.ts";
import { type DevelopmentWiring, developmentPorts } from "./development-ports.ts";
import { planningPorts } from "./planning-ports.ts";
import { revisionPorts } from "./revision-ports.ts";

export interface EngineWiring {
  github: GithubAccess;
  workflows: WorkflowRegistry;
  promptsDir: string;
}

/**
 * What a run's steps act with in production, for one run: the budgeted model client, the adapters of
 * the configured plugins (GitHub through the run's installation), and the agents.
 */
export async function engineServices(
  context: AppContext,
  database: AppDatabase,
  ref: RunRef,
  wiring: EngineWiring,
): Promise<EngineServices> {
  const { loaded, log } = context;
  const client = new ModelClient({
    anthropic: createAnthropic(loaded.config.ai_provider),
    db: database.db,
    prices: priceTableFromConfig(loaded.config.ai_provider),
    defaultModel: loaded.config.ai_provider.model,
    logger: log.child({ component: "model" }),
  });
  const scopes = allScopes(scopesOfRun({ ...ref, id: ref.runId }));
  const octokit = await wiring.github.client(ref.installationId);
  // get_task answers for the run's own issue from the snapshot taken when the trigger was accepted.
  const run = await getRun(database.db, ref.runId);
  const request = runRequestSchema.safeParse((run?.context as { request?: unknown } | undefined)?.request);
  const snapshot = request.success ? snapshotTask(request.data) : undefined;
  const github = { octokit, ...(snapshot ? { snapshot } : {}) };
  const threads = databaseThreadStore(database.db);
  const adapters = await resolvePluginAdapters({ plugins: loaded.plugins, github, threads, log });
  // A ticket's run reads its ticket as the trigger found it (the GitHub adapter does so for issues itself).
  if (snapshot && adapters.task_management && request.success && request.data.trigger.target.key) {
    adapters.task_management = withTaskSnapshot(adapters.task_management, snapshot);
  }
  const versionControl = adapters.version_control ?? githubAdapters(github).version_control;
  const baseDir = loaded.file ? path.dirname(loaded.file) : process.cwd();

  const agents: AgentPort = {
    run: async (agent, input, call) => {
      if (agent === "planning") return await runPlanning(input, call);
      if (agent === "revision") {
        const repository = typeof input.repository === "string" ? input.repository : "";
        const revision = await revisionPorts(
          { ...developmentWiring(call), resolveThreads: loaded.config.revision.resolve_threads },
          { runId: call.runId, stepName: call.stepName, leaseEpoch: call.leaseEpoch },
          repository,
        );
        return await runRevisionAgent(input, revision, call);
      }
      const ports = developmentPorts(developmentWiring(call), {
        runId: call.runId,
        stepName: call.stepName,
        leaseEpoch: call.leaseEpoch,
      });
      return await runDevelopmentAgent(input, ports, call);
    },
  };
  function developmentWiring(call: AgentCallContext): DevelopmentWiring {
    return {
      config: loaded.config,
      db: database.db,
      log: call.log,
      secrets: context.secrets,
      liquid: wiring.workflows.liquid,
      promptsDir: wiring.promptsDir,
      client,
      scopes,
      github: wiring.github,
      versionControl,
      installationId: ref.installationId,
      baseDir,
    };
  }
  const plans = databasePlanStore(database.db);
  // `/plan` drafts a plan and keeps it as the task's draft; `/plan approve` (approve: true) files it.
  async function runPlanning(input: Record<string, unknown>, call: AgentCallContext) {
    const filing = fileInputSchema.safeParse(input);
    if (filing.success) {
      const taskManagement = adapters.task_management;
      if (!taskManagement) {
        throw new UserFacingError(
          "no_task_provider",
          "no task_management plugin is configured, so an approved plan has nowhere to go: enable one in ai-dev.config.yaml",
        );
      }
      // An API project's key is its GitHub issue: a task without an epic goes under it when the tasks
      // are GitHub issues too, and is top-level in any other tracker (which has no such task).
      const isProjectElsewhere = filing.data.project && loaded.plugins.task_management?.provider !== "github";
      return await filePlan(filing.data.task_key, {
        store: plans,
        createTask: taskManagement.create_task,
        runId: call.runId,
        ctx: { ...call },
        ...(isProjectElsewhere ? { looseParent: undefined } : {}),
      });
    }
    const ports = planningPorts(developmentWiring(call), {
      runId: call.runId,
      stepName: call.stepName,
      leaseEpoch: call.leaseEpoch,
    });
    const result = await runPlanningAgent(input, ports, call);
    const task = taskSchema.parse(input.task);
    await plans.saveDraft(task.key, call.runId, result.plan);
    return result;
  }
  return { model: new StepModel({ client, scopesFor: () => scopes }), adapters, agents };
}

/**
 * The team's channel outside of any step (a failed run, a budget hold): the configured communication
 * plugin alone, with runs' threads in the database, so a notice replies in the run's thread.
 */
export async function teamChannel(
  context: AppContext,
  database: AppDatabase,
): Promise<CommunicationAdapter | undefined> {
  const selection = context.loaded.plugins.communication;
  if (!selection.enabled) return undefined;
  const adapters = await resolvePluginAdapters({
    plugins: { communication: selection },
    threads: databaseThreadStore(database.db),
    log: context.log,
  });
  return adapters.communication;
}
