import type { Kysely } from "kysely";
import type { Database } from "../../src/db/schema.ts";
import type { Logger } from "../../src/logging/logger.ts";
import type { RunQueue } from "../../src/queue/run-queue.ts";

export interface SlackHandlerDeps {
  db: Kysely<Database>;
  queue: RunQueue;
  log: Logger;
  /** The app's name, as people see it (system.name). */
  appName: string;
  /** The Slack app's signing secret: every request is verified with it before it is read. */
  signingSecret: string;
  /** Slack member id → GitHub login: who may use the command, and as whom GitHub is asked. */
  users: Readonly<Record<string, string>>;
  now?: () => Date;
}
