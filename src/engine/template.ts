import { Liquid, type Template } from "liquidjs";
import { fenceUntrusted } from "./untrusted.ts";

/**
 * The Liquid instance for prompts and `${…}` expressions. Strict, so a missing variable or an unknown
 * filter is an error that names it instead of an empty string in a prompt.
 */
export function createLiquid(promptsDir: string): Liquid {
  const liquid = new Liquid({
    root: [promptsDir],
    extname: ".liquid",
    strictVariables: true,
    strictFilters: true,
    ownPropertyOnly: true,
    // Prompts are plain text, not HTML: nothing is escaped (the default); untrusted text goes through `untrusted`.
  });
  liquid.registerFilter("untrusted", (value: unknown, label?: unknown) =>
    fenceUntrusted(value, typeof label === "string" ? label : "data"),
  );
  return liquid;
}

/** A prompt file split into its stable system part and its per-run prompt part, both parsed. */
export interface PromptTemplate {
  file: string;
  system: Template[];
  prompt: Template[];
  /** The top-level variables the file uses: the step's inputs must give each of them. */
  variables: string[];
}

const systemMarker = /^=== system ===[ \t]*$/m;
const promptMarker = /^=== prompt ===[ \t]*$/m;

/**
 * Parses a prompt file: `=== system ===` starts the instructions, `=== prompt ===` the request. The
 * split happens on the source, before rendering, so nothing a variable holds can move it. A file with
 * neither line (a plain `{{ task.title }}` template, as the plan writes them) is all prompt, no system.
 */
export function parsePromptTemplate(liquid: Liquid, text: string, file: string): PromptTemplate {
  const systemAt = text.search(systemMarker);
  const promptAt = text.search(promptMarker);
  const plain = systemAt < 0 && promptAt < 0;
  if (!plain && (systemAt < 0 || promptAt < 0 || promptAt < systemAt)) {
    throw new Error(`${file}: a prompt file needs a "=== system ===" line, then a "=== prompt ===" line`);
  }
  const systemText = plain ? "" : text.slice(systemAt, promptAt).replace(systemMarker, "");
  const promptText = plain ? text : text.slice(promptAt).replace(promptMarker, "");
  const system = liquid.parse(systemText.trim(), file);
  const prompt = liquid.parse(promptText.trim(), file);
  const variables = new Set<string>();
  for (const templates of [system, prompt]) {
    for (const segments of liquid.globalVariableSegmentsSync(templates)) {
      if (typeof segments[0] === "string") variables.add(segments[0]);
    }
  }
  return { file, system, prompt, variables: [...variables].sort() };
}

export async function renderPrompt(
  liquid: Liquid,
  template: PromptTemplate,
  scope: Record<string, unknown>,
): Promise<{ system: string; prompt: string }> {
  const [system, prompt] = await Promise.all([
    liquid.render(template.system, scope),
    liquid.render(template.prompt, scope),
  ]);
  return { system: String(system).trim(), prompt: String(prompt).trim() };
}
