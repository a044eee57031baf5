import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type ApplicationFunction, Probot, Server } from "probot";
import type { ServerSettings } from "../config/env.ts";
import type { Logger } from "../logging/logger.ts";

type Handler = Parameters<Server["addHandler"]>[0];
type ProbotWebhooks = Probot["webhooks"];
type WebhookHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface StartServerOptions {
  settings: ServerSettings;
  log: Logger;
  /** Routes that answer in both modes, such as /healthz; tried after Probot's webhook path. */
  handlers: Handler[];
  /** The GitHub App itself; only loaded when the app is registered (APP_ID and a private key). */
  app: ApplicationFunction;
  /**
   * The webhook path's handler, built on Probot's webhooks (its secret and the app's handlers). It
   * takes the place of @octokit/webhooks' node middleware, which buffers any body whole and answers a
   * handler's error with 500 and the error's text.
   */
  webhookEndpoint: (webhooks: ProbotWebhooks, path: string) => WebhookHandler;
}

export interface StartedServer {
  server: Server;
  mode: "app" | "setup";
  port: number;
}

/**
 * Starts Probot's HTTP server. Without APP_ID and a private key it starts Probot's setup mode, where a
 * newcomer registers the GitHub App from the browser through app.yml; the log says so.
 */
export async function startServer(options: StartServerOptions): Promise<StartedServer> {
  const { settings, log } = options;
  const isRegistered = settings.appId !== undefined && settings.privateKey !== undefined;
  if (isRegistered && !settings.webhookSecret) {
    throw new Error(
      "WEBHOOK_SECRET is not set: without it anyone could send webhooks. Set it to the secret of the GitHub App.",
    );
  }
  const probotDefaults = {
    appId: settings.appId ?? 1,
    // Probot needs some key to construct itself even in setup mode, where it is never used (probot#1512).
    privateKey: settings.privateKey ?? "unused in setup mode",
    secret: settings.webhookSecret ?? "unused in setup mode",
    baseUrl: settings.githubBaseUrl,
    log,
  };
  const server = new Server({
    port: settings.port,
    ...(settings.host ? { host: settings.host } : {}),
    webhookPath: settings.webhookPath,
    log,
    Probot: withWebhookEndpoint(Probot.defaults(probotDefaults), options.webhookEndpoint),
  });
  for (const handler of options.handlers) server.addHandler(handler);
  if (isRegistered) {
    await server.load(options.app);
  } else {
    if (settings.production) {
      throw new Error("APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) are required when NODE_ENV=production");
    }
    log.warn(
      { port: settings.port },
      "no APP_ID / PRIVATE_KEY: starting in setup mode; open the server's address in a browser to register the GitHub App",
    );
    await server.loadHandlerFactory(
      await setupAppFactory({ host: settings.host ?? "localhost", port: settings.port, log }),
    );
  }
  const http = await server.start();
  const address = http.address();
  const port = typeof address === "object" && address ? address.port : settings.port;
  return { server, mode: isRegistered ? "app" : "setup", port };
}

/**
 * Probot's Server puts the probot's getNodeMiddleware() first among its handlers, ahead of any added
 * one: overriding it is how the webhook path gets our endpoint (size cap, error mapping) in both modes.
 */
function withWebhookEndpoint(
  Base: typeof Probot,
  endpoint: StartServerOptions["webhookEndpoint"],
): typeof Probot {
  return class extends Base {
    override async getNodeMiddleware(): Promise<WebhookHandler> {
      await this.ready();
      return endpoint(this.webhooks, this.webhookPath);
    }
  } as typeof Probot;
}

type SetupAppFactory = (options: {
  host: string;
  port: number;
  log: Logger;
}) => Parameters<Server["loadHandlerFactory"]>[0];

/**
 * Probot's setup app (the manifest flow) is what `probot run` uses, but the package does not export it.
 * Loading it by file keeps setup mode identical to Probot's, with our routes (/healthz) beside it.
 */
async function setupAppFactory(options: Parameters<SetupAppFactory>[0]) {
  const require = createRequire(import.meta.url);
  const probotMain = require.resolve("probot");
  const file = path.join(path.dirname(probotMain), "apps", "setup.js");
  const module = (await import(pathToFileURL(file).href)) as { setupAppFactory: SetupAppFactory };
  return module.setupAppFactory(options);
}
