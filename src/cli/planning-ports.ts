import { readFileSync } from "node:fs";
import path from "node:path";
import type { PlanningPorts } from "../agents/planning/planning-agent.ts";
import { untrustedDataRule } from "../context/index.ts";
import { parsePromptTemplate, renderPrompt } from "../engine/template.ts";
import { type DevelopmentWiring, developmentPorts } from "./development-ports.ts";

/**
 * The planning agent's ports in production: the development agent's checkout (on a branch of its own
 * that is never committed or pushed), its starting context and model, and a read-only toolbox.
 */
export function planningPorts(
  wiring: DevelopmentWiring,
  call: { runId: string; stepName: string; leaseEpoch: number },
): PlanningPorts {
  const development = developmentPorts(wiring, call);
  const promptFile = path.join(wiring.promptsDir, "planning-agent.liquid");
  const template = parsePromptTemplate(wiring.liquid, readFileSync(promptFile, "utf8"), promptFile);
  return {
    async openWorkspace(request) {
      const workspace = await development.openWorkspace({
        repository: request.repository,
        baseBranch: undefined,
        branch: `ai-dev/plan-${request.runId}`,
        runId: request.runId,
        signal: request.signal,
      });
      return {
        dir: workspace.dir,
        settings: workspace.settings.instructions ? { instructions: workspace.settings.instructions } : {},
        release: () => workspace.release(),
      };
    },
    startingContext: development.startingContext,
    // The repository's blocked paths apply as for the development agent; bash is not offered at all.
    toolbox: ({ dir }) => development.toolbox({ dir, readOnly: true }),
    async instructions(input) {
      const rendered = await renderPrompt(wiring.liquid, template, {
        task: input.task,
        repository: input.repository,
        notes: input.notes,
      });
      return { system: `${rendered.system}\n\n${untrustedDataRule}`, task: rendered.prompt };
    },
    model: development.model,
    scopes: development.scopes,
    modelName: development.modelName,
    checkpoints: development.checkpoints,
    log: development.log,
  };
}
