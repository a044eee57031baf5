import { Command } from "commander";
import { appVersion } from "../version.ts";
import { configCheck } from "./config-check.ts";
import { exitOnInvalidInput } from "./config-errors.ts";
import { migrate } from "./migrate.ts";
import { startApp } from "./start-app.ts";

const program = new Command()
  .name("ai-dev")
  .description("ai-dev: turns development requests into pull requests with Claude")
  .version(appVersion);

program
  .command("start")
  .description("run the GitHub App server (webhooks, /healthz); what `npm start` runs")
  .action(() => exitOnInvalidInput(() => startApp()));

program
  .command("migrate")
  .description("apply database migrations (DATABASE_URL, or the embedded database under DATA_DIR)")
  .action(() => migrate());

program
  .command("config")
  .description("configuration commands")
  .command("check")
  .argument("[file]", "the file to check (default: AI_DEV_CONFIG or ./ai-dev.config.yaml)")
  .description("check ai-dev.config.yaml and the provider files it names; exits 1 on any problem")
  .action((file: string | undefined) => exitOnInvalidInput(() => configCheck(file)));

await program.parseAsync(process.argv);
