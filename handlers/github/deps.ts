import type { Kysely } from "kysely";
import type { AppConfig } from "../../src/config/schema.ts";
import type { Database } from "../../src/db/schema.ts";
import type { Logger } from "../../src/logging/logger.ts";
import type { RunQueue } from "../../src/queue/run-queue.ts";

export interface GithubHandlerDeps {
  db: Kysely<Database>;
  queue: RunQueue;
  log: Logger;
  config: AppConfig;
}
