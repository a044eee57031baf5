import { readFileSync } from "node:fs";
import path from "node:path";
import type { Kysely } from "kysely";
import type { Liquid } from "liquidjs";
import { parse as parseYaml } from "yaml";
import { appIdentity } from "../../adapters/github/app-identity.ts";
import { installationGitTokens } from "../../adapters/github/index.ts";
import { databaseCheckpoints } from "../agents/checkpoints.ts";
import type {
  DevelopmentInput,
  DevelopmentPorts,
  DevelopmentWorkspace,
} from "../agents/development/development-agent.ts";
import type { CommandRunner } from "../agents/tools/command-runner.ts";
import { createToolbox } from "../agents/tools/toolbox.ts";
import type { ModelClient } from "../ai/client.ts";
import { narrowConfig, repoConfigSchema } from "../config/repo-config.ts";
import type { AppConfig } from "../config/schema.ts";
import { buildStartingContext, untrustedDataRule } from "../context/index.ts";
import type { Database } from "../db/schema.ts";
import { parsePromptTemplate, renderPrompt } from "../engine/template.ts";
import { UserFacingError } from "../errors.ts";
import type { Logger } from "../logging/logger.ts";
import type { GithubAccess } from "../plugins/github-access.ts";
import type { VersionControlAdapter } from "../plugins/version-control.ts";
import { runSandboxed } from "../sandbox/run-sandboxed.ts";
import { openWorkspace } from "../workspace/workspace.ts";

export interface DevelopmentWiring {
  config: AppConfig;
  db: Kysely<Database>;
  log: Logger;
  /** The app's live secrets: every git token minted for the run joins them before it is used. */
  secrets: string[];
  liquid: Liquid;
  promptsDir: string;
  client: ModelClient;
  scopes: readonly string[];
  github: GithubAccess;
  versionControl: VersionControlAdapter;
  installationId: number;
  /** Relative workspace_dir resolves against this (the configuration file's directory). */
  baseDir: string;
}

export interface DevelopmentPrompt {
  /** A file in the prompts directory. */
  file: string;
  /** Its variables but blocked_paths (the repository's, known once the workspace is open). */
  variables(input: DevelopmentInput, branch: string): Promise<Record<string, unknown>>;
}

/**
 * The development agent's ports in production: the workspace on the repository's mirror with scoped
 * installation tokens, the bubblewrap sandbox, the editor/bash/search tools, the repository map, the
 * budgeted model and checkpoints in the app's database.
 */
export function developmentPorts(
  wiring: DevelopmentWiring,
  call: { runId: string; stepName: string; leaseEpoch: number },
  /** Another agent's prompt over the same tools (the revision agent's): its file and variables. */
  prompt?: DevelopmentPrompt,
): DevelopmentPorts {
  const { config } = wiring;
  const promptFile = path.join(wiring.promptsDir, prompt?.file ?? "code-generation.liquid");
  const template = parsePromptTemplate(wiring.liquid, readFileSync(promptFile, "utf8"), promptFile);
  let blockedPaths: string[] = [...config.security.blocked_paths];
  const allowedCommands = config.security.allowed_commands;

  // Read at each call: the repository's blocked paths are known once the workspace is open.
  const sandboxed: CommandRunner = (request) => runSandboxed({ ...request, blockedPaths, allowedCommands });

  return {
    async openWorkspace(request) {
      const repo = await wiring.versionControl.get_repository(
        { repository: request.repository },
        {
          runId: call.runId,
          stepName: call.stepName,
          idempotencyKey: call.runId,
          leaseEpoch: 0,
          signal: request.signal,
          log: wiring.log,
        },
      );
      // Asked before the workspace and any model turn, so a GitHub that cannot say who the app is fails
      // the step before anything is spent, not at its commit.
      const { commitAuthor } = await appIdentity(wiring.github, wiring.installationId);
      const [, name = ""] = request.repository.split("/");
      const tokens = installationGitTokens({
        appOctokit: await wiring.github.appClient(),
        installationId: wiring.installationId,
        repositories: [name],
        onToken: (token) => {
          wiring.secrets.push(token);
        },
      });
      const workspace = await openWorkspace({
        workspaceDir: path.resolve(wiring.baseDir, config.system.workspace_dir),
        repository: {
          fullName: request.repository,
          cloneUrl: repo.clone_url,
          defaultBranch: repo.default_branch,
          token: () => tokens.token(request.signal),
        },
        runId: call.runId,
        branch: request.branch,
        ...(request.baseBranch ? { baseBranch: request.baseBranch } : {}),
      });
      // The repository's settings as its default branch has them, never as the run's branch rewrote them.
      const raw = await workspace.defaultBranchFile(".github/ai-dev.yml");
      const parsed = repoConfigSchema.safeParse(raw ? parseYaml(raw) : {});
      if (!parsed.success) {
        await workspace.remove();
        throw new UserFacingError(
          "invalid_repo_config",
          `.github/ai-dev.yml on ${repo.default_branch} is not valid: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
        );
      }
      const effective = narrowConfig(config, parsed.data);
      blockedPaths = effective.blockedPaths;
      const developmentWorkspace: DevelopmentWorkspace = {
        dir: workspace.dir,
        branch: workspace.branch,
        defaultBranch: repo.default_branch,
        settings: {
          commands: effective.commands,
          ...(effective.instructions ? { instructions: effective.instructions } : {}),
        },
        snapshot: () => workspace.snapshot(),
        restore: (snapshot) => workspace.restore(snapshot),
        changedFiles: () => workspace.changedFiles(),
        branchFiles: () => workspace.branchFiles(),
        branchDiff: () => workspace.branchDiff(),
        async commitAndPush(message, coAuthor) {
          const commit = await workspace.commit({
            message,
            author: commitAuthor,
            ...(coAuthor
              ? { coAuthor: { name: coAuthor, email: `${coAuthor}@users.noreply.github.com` } }
              : {}),
            blockedPaths,
            liveSecrets: wiring.secrets,
          });
          if (!commit)
            throw new UserFacingError("no_changes", "the development agent left nothing to commit");
          await workspace.push();
          return { commit };
        },
        release: () => workspace.remove(),
      };
      return developmentWorkspace;
    },
    runCommand: (request) => sandboxed(request as Parameters<CommandRunner>[0]),
    async startingContext(request) {
      const context = await buildStartingContext({
        repoDir: request.dir,
        task: { ...request.task, comments: [] },
        tokens: 8000,
        configuredInstructions: request.instructions,
      });
      return context.text;
    },
    toolbox: ({ dir, readOnly }) =>
      createToolbox({
        dir,
        ...(readOnly ? { readOnly } : {}),
        runner: sandboxed,
        blockedPaths,
        ...(allowedCommands ? { allowedCommands } : {}),
        secrets: wiring.secrets,
      }),
    async instructions(input, branch) {
      const variables = prompt
        ? { ...(await prompt.variables(input, branch)), blocked_paths: blockedPaths }
        : undefined;
      const rendered = await renderPrompt(
        wiring.liquid,
        template,
        variables ?? {
          task: input.task,
          repository: input.repository,
          base_branch: input.base_branch ?? "the default branch",
          plan: input.plan,
          continuation: input.continuation,
          blocked_paths: blockedPaths,
          branch,
        },
      );
      return { system: `${rendered.system}\n\n${untrustedDataRule}`, task: rendered.prompt };
    },
    model: wiring.client,
    scopes: wiring.scopes,
    modelName: config.ai_provider.model,
    checkpoints: databaseCheckpoints(wiring.db, {
      runId: call.runId,
      stepKey: call.stepName,
      leaseEpoch: call.leaseEpoch,
    }),
    log: wiring.log,
  };
}
