import type { Kysely } from "kysely";
import type { AppConfig } from "../../src/config/schema.ts";
import type { Database } from "../../src/db/schema.ts";
import type { Logger } from "../../src/logging/logger.ts";
import type { CommandDeps } from "../../src/runs/commands.ts";
import type { IntakeDeps } from "../../src/runs/intake.ts";

export interface GithubHandlerDeps {
  db: Kysely<Database>;
  log: Logger;
  config: AppConfig;
  intake: IntakeDeps;
  commands: CommandDeps;
}
