import { existsSync } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { validateWorkflowFiles } from "../engine/validate-command.ts";
import { defaultRunsListed } from "../ops/runs-api.ts";
import { parseRunsLimit, runsCommand } from "../ops/runs-command.ts";
import { appVersion } from "../version.ts";
import { configCheck } from "./config-check.ts";
import { contextCommand, defaultContextTokens, parseTokens } from "./context-command.ts";
import { exitOnUserError } from "./exit-on-user-error.ts";
import { migrate } from "./migrate.ts";
import { repoRoot } from "./runtime.ts";
import { parseNetwork, sandboxCommand } from "./sandbox-command.ts";
import { startApp } from "./start-app.ts";

// Probot's setup mode writes the registered app's id, key and webhook secret to .env, as `probot run`
// reads them back; values already in the environment win.
if (existsSync(".env")) process.loadEnvFile(".env");

const program = new Command()
  .name("ai-dev")
  .description("ai-dev: turns development requests into pull requests with Claude")
  .version(appVersion);

program
  .command("start")
  .description("run the GitHub App server (webhooks, /healthz) and a worker; what `npm start` runs")
  .option("--no-worker", "serve webhooks only; `ai-dev worker` processes execute the runs")
  .action((options: { worker: boolean }) =>
    exitOnUserError(() => startApp({ web: true, worker: options.worker })),
  );

program
  .command("worker")
  .description("execute queued runs only (scale out: any number beside the web process, on PostgreSQL)")
  .action(() => exitOnUserError(() => startApp({ web: false, worker: true })));

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
  .action((file: string | undefined) => exitOnUserError(() => configCheck(file)));

program
  .command("workflows")
  .description("workflow commands")
  .command("validate")
  .argument("[files...]", "workflow files (default: every *.yml in workflows/)")
  .description("check workflow files as the app loads them; exits 1 on any problem")
  .action((files: string[]) => {
    const result = validateWorkflowFiles(files, { promptsDir: path.join(repoRoot, "prompts") });
    (result.ok ? process.stdout : process.stderr).write(`${result.output}\n`);
    if (!result.ok) process.exitCode = 1;
  });

const runs = program
  .command("runs")
  .description("list recent runs; on the embedded database it asks the running app")
  .option("--json", "print JSON instead of a table")
  .option("-n, --limit <count>", "how many runs, newest first", parseRunsLimit, defaultRunsListed)
  .action((options: { json?: boolean; limit: number }) =>
    exitOnUserError(() =>
      runsCommand({ kind: "list", limit: options.limit }, { json: options.json === true }),
    ),
  );

runs
  .command("show")
  .argument("<id>", "the run's id, as `ai-dev runs` lists it")
  .description("one run and its steps")
  .option("--json", "print JSON instead of text")
  // `runs show <id> --json` hands --json to the parent `runs`: read both.
  .action((runId: string, _options: unknown, command: Command) =>
    exitOnUserError(() =>
      runsCommand(
        { kind: "show", runId },
        { json: command.optsWithGlobals<{ json?: boolean }>().json === true },
      ),
    ),
  );

program
  .command("context")
  .description("print the context the development agent starts with: task, instructions, ranked map")
  .requiredOption("--repo <dir>", "the repository (a git clone)")
  .requiredOption("--task <file>", "the task: JSON {title, body, comments} or text (first line: title)")
  .option("--tokens <count>", "the budget for the whole context", parseTokens, defaultContextTokens)
  .option("--json", 'print {"files":[{"path","score"}],"tokens"} instead, best first')
  .action((options: { repo: string; task: string; tokens: number; json?: boolean }) =>
    exitOnUserError(() => contextCommand({ ...options, json: options.json === true })),
  );

program
  .command("sandbox")
  .description("run one command in the agents' sandbox, as a run would; prints its output and exit code")
  .requiredOption("--dir <dir>", "the directory mounted writable (an agent's worktree)")
  .option("--network <mode>", "none, or registries as for the setup command", parseNetwork, "none")
  .argument("<command...>", "the command after --, run by /bin/sh -c inside")
  .action((words: string[], options: { dir: string; network: "none" | "registries" }) =>
    exitOnUserError(() => sandboxCommand(words, options)),
  );

await program.parseAsync(process.argv);
