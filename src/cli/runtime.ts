import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { Probot } from "probot";
import { githubAccess } from "../../adapters/github/installations.ts";
import { githubIssueThread } from "../../adapters/github/issue-thread.ts";
import { PacedOctokit } from "../../adapters/github/paced-octokit.ts";
import { slackChatReplies } from "../../adapters/slack/replies.ts";
import { type GithubHandlerDeps, registerGithubHandlers } from "../../handlers/github/index.ts";
import { githubWebhookEndpoint } from "../../handlers/github/webhook-endpoint.ts";
import { slackCommandsEndpoint } from "../../handlers/slack/commands-endpoint.ts";
import type { AppDatabase } from "../db/connect.ts";
import { loadWorkflows } from "../engine/load-workflows.ts";
import type { WorkflowRegistry } from "../engine/loaded-workflow.ts";
import { UserFacingError } from "../errors.ts";
import { apiHandler } from "../ops/api/api-app.ts";
import { dashboardHandler } from "../ops/dashboard/dashboard-handler.ts";
import { listenForRunChanges } from "../ops/events/run-changes.ts";
import { RunEventsHub } from "../ops/events/run-events-hub.ts";
import { createMetrics, metricsHandler } from "../ops/metrics.ts";
import { pluginCatalog } from "../plugins/catalog.ts";
import type { ThreadRef } from "../plugins/issue-thread.ts";
import { RunQueue, type RunQueueOptions } from "../queue/run-queue.ts";
import { budgetCommands } from "../runs/budget-commands.ts";
import { rateLimitedThread } from "../runs/comment-rate-limit.ts";
import { dryRunThread } from "../runs/dry-run-thread.ts";
import { startIntakeWorker } from "../runs/intake-worker.ts";
import type { RunRef } from "../runs/run-ref.ts";
import { ticketAwareThreads } from "../runs/ticket-thread.ts";
import { type EngineServices, startRunWorker } from "../runs/worker.ts";
import { healthHandler } from "../server/health.ts";
import { type StartedServer, startServer } from "../server/start-server.ts";
import { formatSourceIssue } from "../validation/yaml-source.ts";
import { appVersion } from "../version.ts";
import type { AppContext } from "./app-context.ts";
import { engineServices, teamChannel } from "./engine-services.ts";
import { slackCommandSettings } from "./slack-commands.ts";
import { ticketAccess, trackerTriggerSettings, trackerWebhookHandler } from "./tracker-triggers.ts";

export const repoRoot = path.resolve(import.meta.dirname, "..", "..");

export interface RuntimeOptions {
  /** Serve webhooks and /healthz. */
  web: boolean;
  /** The loaded workflows; the configured directory's when not given. */
  workflows?: WorkflowRegistry;
  /** Work the queues in this process: authorize triggers and execute runs. */
  worker: boolean;
  /** With worker: false leaves runs queued after intake (tests look at them before anything runs). */
  executeRuns?: boolean;
  /** The queue's retry settings and the intake relay's sweep interval (tests shorten them). */
  queue?: Pick<RunQueueOptions, "retryLimit" | "retryDelaySeconds" | "relay">;
  /** Replaces what steps act with, per run (tests pass recording adapters). */
  engineFor?: (ref: RunRef) => Promise<EngineServices>;
  pollingIntervalSeconds?: number;
  /** Bearer tokens the runs API (/api/v1/runs) accepts; with none it refuses every request. */
  apiTokens?: readonly string[];
}

export interface Runtime {
  workflows: WorkflowRegistry;
  queue: RunQueue;
  server: StartedServer | undefined;
  /** The live run status the API's event streams share. */
  runEvents: RunEventsHub;
  stop(): Promise<void>;
}

/** The workflows of the configured directory, with prompts from prompts/ beside it. */
export function loadConfiguredWorkflows(context: AppContext): WorkflowRegistry {
  const dir = path.resolve(
    context.loaded.file ? path.dirname(context.loaded.file) : process.cwd(),
    context.loaded.config.workflows.config_dir,
  );
  if (!existsSync(dir)) {
    throw new UserFacingError(
      "workflows_not_found",
      `the workflows directory ${dir} does not exist: set workflows.config_dir in ${context.loaded.file ?? "ai-dev.config.yaml"}`,
    );
  }
  const workflows = loadWorkflows({
    dir,
    promptsDir: path.join(repoRoot, "prompts"),
    catalog: pluginCatalog,
  });
  for (const warning of workflows.warnings()) {
    context.log.warn({ warning: formatSourceIssue(warning) }, "workflow warning");
  }
  // Said at start, not at the first label: every trigger of a repository without its own default needs it.
  const configured = context.loaded.config.workflows.default;
  if (!workflows.get(configured)) {
    throw new UserFacingError(
      "workflow_not_found",
      `workflows.default is "${configured}", which is not a workflow in ${dir}: set it in ${context.loaded.file ?? "ai-dev.config.yaml"} to one of ${workflows.names().join(", ")}`,
    );
  }
  return workflows;
}

/**
 * Puts the app together on an open, migrated database: the durable queue, the webhook server, and the
 * worker that executes runs. `npm start` runs both in one process; `ai-dev worker` only the worker.
 */
export async function startRuntime(
  context: AppContext,
  database: AppDatabase,
  options: RuntimeOptions,
): Promise<Runtime> {
  const { settings, loaded, log } = context;
  const workflows = options.workflows ?? loadConfiguredWorkflows(context);
  // Checked before anything is opened: a command endpoint without its signing secret stops the start.
  const slackCommands = slackCommandSettings(loaded);
  // So are tracker webhooks without their secret.
  const trackers = trackerTriggerSettings(loaded);
  const queue = new RunQueue(database, {
    heartbeatSeconds: settings.runHeartbeatSeconds,
    ...options.queue,
    supervise: options.worker,
    log: log.child({ component: "intake-relay" }),
  });
  await queue.start();
  const db = database.db;
  const isRegistered = settings.appId !== undefined && settings.privateKey !== undefined;
  const { secrets } = context;

  const stoppers: (() => Promise<void>)[] = [];
  if (options.worker && isRegistered) {
    // An app-authenticated Probot, for installation tokens outside of any webhook.
    const probot = new Probot({
      Octokit: PacedOctokit,
      appId: settings.appId as number,
      privateKey: settings.privateKey as string,
      baseUrl: settings.githubBaseUrl,
      log,
    });
    const github = githubAccess(probot);
    const githubThreadFor = async (ref: ThreadRef) =>
      rateLimitedThread(
        settings.dryRun
          ? dryRunThread(log, ref)
          : githubIssueThread(await github.client(ref.installationId), ref),
        { db, ref, limit: loaded.config.security.comment_rate_limit, log },
      );
    // A run a ticket started reports on the ticket, through the tracker's adapter.
    const tickets = trackers ? await ticketAccess(loaded, trackers, log) : undefined;
    const threadFor = tickets
      ? ticketAwareThreads({ db, tickets, github: githubThreadFor, log })
      : githubThreadFor;
    const polling = options.pollingIntervalSeconds
      ? { pollingIntervalSeconds: options.pollingIntervalSeconds }
      : {};
    const intake = await startIntakeWorker(
      {
        db,
        queue,
        workflows,
        config: loaded.config,
        github,
        threadFor,
        budget: budgetCommands({ db, queue, config: loaded.config }),
        chatReplies: slackCommands ? slackChatReplies() : undefined,
        tickets,
        log: log.child({ component: "intake" }),
      },
      polling,
    );
    stoppers.push(intake.stop);
    if (options.executeRuns !== false) {
      const promptsDir = path.join(repoRoot, "prompts");
      const engineFor =
        options.engineFor ??
        ((ref) => engineServices(context, database, ref, { github, workflows, promptsDir }));
      const worker = await startRunWorker({
        db,
        queue,
        log: log.child({ component: "worker" }),
        workerId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
        workflows,
        config: loaded.config,
        secrets,
        ...polling,
        engineFor,
        threadFor,
        teamChannel: () => teamChannel(context, database),
        // A run's lease lapses as soon as its job's heartbeat would: a dead worker's run is free to take
        // by the time pg-boss gives its job to another worker.
        leaseMs: settings.runHeartbeatSeconds * 1000,
        shutdownGraceMs: settings.shutdownGraceSeconds * 1000,
      });
      stoppers.push(worker.stop);
    }
  } else if (options.worker) {
    log.warn(
      "the app is not registered yet (no APP_ID / PRIVATE_KEY): triggers wait in the queue until it is",
    );
  }

  let server: StartedServer | undefined;
  // Live status for the dashboard: one database listener, started by the first open stream.
  const runEvents = new RunEventsHub((listener) =>
    listenForRunChanges(database, listener, log.child({ component: "run-events" })),
  );
  if (options.web) {
    let mode: "app" | "setup" = "setup";
    const handlerDeps: GithubHandlerDeps = { db, queue, log, config: loaded.config };
    server = await startServer({
      settings,
      log,
      handlers: [
        healthHandler({ db, databaseKind: database.target.kind, version: appVersion, mode: () => mode }),
        apiHandler({
          db,
          operatorTokens: options.apiTokens ?? [],
          rateLimit: loaded.config.security.api_rate_limit,
          log: log.child({ component: "api" }),
          live: { events: runEvents, secrets },
          intake: { queue },
        }),
        metricsHandler(createMetrics({ db, queue })),
        dashboardHandler(),
        ...(slackCommands
          ? [slackCommandsEndpoint({ db, queue, log, appName: loaded.config.system.name, ...slackCommands })]
          : []),
        ...(trackers
          ? [trackerWebhookHandler(trackers, { db, queue, log: log.child({ component: trackers.source }) })]
          : []),
      ],
      app: (app) => registerGithubHandlers(app, handlerDeps),
      webhookEndpoint: (webhooks, path) =>
        githubWebhookEndpoint({ receiver: webhooks, path, deps: handlerDeps }),
    });
    mode = server.mode;
  }

  return {
    workflows,
    queue,
    server,
    runEvents,
    stop: async () => {
      // Open event streams would hold the server's close forever: they end first.
      await runEvents.close();
      await server?.server.stop();
      for (const stop of stoppers) await stop();
      // The workers already waited out their grace: whatever pg-boss still holds is retried elsewhere.
      await queue.stop(2_000);
    },
  };
}
