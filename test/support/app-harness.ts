import { randomUUID } from "node:crypto";
import path from "node:path";
import type { DestinationStream } from "pino";
import { freePort } from "../../demo/free-port.ts";
import { FakeGitHub, registeredAppEnv } from "../../demo/stand-ins/fake-github.ts";
import { deliverWebhook } from "../../demo/stand-ins/webhook-examples.ts";
import { loadAppContext } from "../../src/cli/app-context.ts";
import { type Runtime, type RuntimeOptions, startRuntime } from "../../src/cli/runtime.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { openTestDatabase, type TestDatabase } from "./database.ts";

export const intakeConfig = path.join(import.meta.dirname, "..", "fixtures", "intake", "ai-dev.config.yaml");
export const webhookSecret = "test-webhook-secret";
export const installationId = 42;

export interface TestApp {
  github: FakeGitHub;
  database: TestDatabase;
  runtime: Runtime;
  url: string;
  /** Posts a signed delivery; returns the HTTP status. */
  deliver(event: string, payload: unknown, id?: string): Promise<number>;
  stop(): Promise<void>;
}

/**
 * The environment of a registered app that talks to a fake GitHub (as to GitHub Enterprise Server) and
 * runs the intake test workflows; tests and benches start the app with it.
 */
export function testAppEnv(options: { port: number; githubHost: string }): Record<string, string> {
  return {
    ...registeredAppEnv({ githubHost: options.githubHost, webhookSecret }),
    PORT: String(options.port),
    HOST: "127.0.0.1",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    LOG_FORMAT: "json",
    AI_DEV_CONFIG: intakeConfig,
  };
}

/**
 * The whole app in this process, on a fresh database, talking to a fake GitHub over HTTP as it would
 * to GitHub Enterprise Server: webhooks in, REST calls out.
 */
export async function startTestApp(
  options: Partial<RuntimeOptions> & {
    env?: Record<string, string>;
    /** A database the test prepared; it is dropped with the app all the same. */
    database?: TestDatabase;
    /** Where the app's log lines go, at debug level and scrubbed as in production (default: LOG_LEVEL). */
    logDestination?: DestinationStream;
  } = {},
): Promise<TestApp> {
  const github = new FakeGitHub();
  await github.start();
  const database = options.database ?? (await openTestDatabase());
  const port = await freePort();
  const { env: extraEnv, database: _given, logDestination, ...runtimeOptions } = options;
  const context = loadAppContext({ ...testAppEnv({ port, githubHost: github.host }), ...extraEnv });
  if (logDestination) {
    context.log = createLogger({ level: "debug", secrets: context.secrets, destination: logDestination });
  }
  const runtime = await startRuntime(context, database, {
    web: true,
    worker: false,
    pollingIntervalSeconds: 0.5,
    ...runtimeOptions,
  });
  const url = `http://127.0.0.1:${runtime.server?.port ?? port}`;
  return {
    github,
    database,
    runtime,
    url,
    deliver: (event, payload, id = randomUUID()) =>
      deliverWebhook({ url: `${url}/api/github/webhooks`, event, payload, secret: webhookSecret, id }),
    stop: async () => {
      await runtime.stop();
      await database.drop();
      await github.stop();
    },
  };
}
