import { existsSync } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { defaultRunsListed } from "../ops/runs-limits.ts";
import { appVersion } from "../version.ts";
import {
  defaultContextTokens,
  parseNetwork,
  parseRunsLimit,
  parseTokenScope,
  parseTokens,
} from "./cli-options.ts";
import { exitOnUserError } from "./exit-on-user-error.ts";

// Each command's module is imported when that command runs: the app, the SDKs and the database drivers
// take seconds to load, which `--help` or `context` should not pay for.

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
    exitOnUserError(async () =>
      (await import("./start-app.ts")).startApp({ web: true, worker: options.worker }),
    ),
  );

program
  .command("worker")
  .description("execute queued runs only (scale out: any number beside the web process, on PostgreSQL)")
  .action(() =>
    exitOnUserError(async () => (await import("./start-app.ts")).startApp({ web: false, worker: true })),
  );

program
  .command("migrate")
  .description("apply database migrations (DATABASE_URL, or the embedded database under DATA_DIR)")
  .action(async () => (await import("./migrate.ts")).migrate());

program
  .command("config")
  .description("configuration commands")
  .command("check")
  .argument("[file]", "the file to check (default: AI_DEV_CONFIG or ./ai-dev.config.yaml)")
  .description("check ai-dev.config.yaml and the provider files it names; exits 1 on any problem")
  .action((file: string | undefined) =>
    exitOnUserError(async () => (await import("./config-check.ts")).configCheck(file)),
  );

program
  .command("workflows")
  .description("workflow commands")
  .command("validate")
  .argument("[files...]", "workflow files (default: every *.yml in workflows/)")
  .description("check workflow files as the app loads them; exits 1 on any problem")
  .action(async (files: string[]) => {
    const { validateWorkflowFiles } = await import("../engine/validate-command.ts");
    const { repoRoot } = await import("./runtime.ts");
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
    exitOnUserError(async () =>
      (await import("../ops/runs-command.ts")).runsCommand(
        { kind: "list", limit: options.limit },
        { json: options.json === true },
      ),
    ),
  );

runs
  .command("show")
  .argument("<id>", "the run's id, as `ai-dev runs` lists it")
  .description("one run and its steps")
  .option("--json", "print JSON instead of text")
  // `runs show <id> --json` hands --json to the parent `runs`: read both.
  .action((runId: string, _options: unknown, command: Command) =>
    exitOnUserError(async () =>
      (await import("../ops/runs-command.ts")).runsCommand(
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
    exitOnUserError(async () =>
      (await import("./context-command.ts")).contextCommand({ ...options, json: options.json === true }),
    ),
  );

program
  .command("sandbox")
  .description("run one command in the agents' sandbox, as a run would; prints its output and exit code")
  .requiredOption("--dir <dir>", "the directory mounted writable (an agent's worktree)")
  .option("--network <mode>", "none, or registries as for the setup command", parseNetwork, "none")
  .argument("<command...>", "the command after --, run by /bin/sh -c inside")
  .action((words: string[], options: { dir: string; network: "none" | "registries" }) =>
    exitOnUserError(async () => (await import("./sandbox-command.ts")).sandboxCommand(words, options)),
  );

const tokens = program.command("tokens").description("the API's bearer tokens (stored as digests)");

tokens
  .command("create")
  .requiredOption("--name <name>", "what the token is for, e.g. the tool that uses it")
  .option(
    "--scope <scope>",
    "read (runs, budgets) or write (also start and cancel work)",
    parseTokenScope,
    "read",
  )
  .description("create a token; it is printed this once")
  .action((options: { name: string; scope: "read" | "write" }) =>
    exitOnUserError(async () =>
      (await import("../ops/tokens-command.ts")).tokensCommand({ kind: "create", ...options }),
    ),
  );

tokens
  .command("list")
  .option("--json", "print JSON instead of a table")
  .description("the tokens, with their scopes and last use (never the tokens themselves)")
  .action((options: { json?: boolean }) =>
    exitOnUserError(async () =>
      (await import("../ops/tokens-command.ts")).tokensCommand({ kind: "list", json: options.json === true }),
    ),
  );

tokens
  .command("revoke")
  .argument("<id>", "the token's id or prefix, as `tokens list` shows it")
  .description("revoke a token: requests with it are refused from now on")
  .action((id: string) =>
    exitOnUserError(async () =>
      (await import("../ops/tokens-command.ts")).tokensCommand({ kind: "revoke", id }),
    ),
  );

await program.parseAsync(process.argv);
