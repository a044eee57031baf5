import { createRequire } from "node:module";
import path from "node:path";
import { Language, Parser, Query } from "web-tree-sitter";
import { type LanguageSpec, languageOf } from "./tag-queries.ts";

/** A name a file defines, with the 0-based line it is on. */
export interface Definition {
  name: string;
  line: number;
}

export interface FileNames {
  definitions: Definition[];
  /** How often the file uses each name (identifier, type and property nodes), its definitions aside. */
  references: Map<string, number>;
}

interface LoadedLanguage {
  parser: Parser;
  query: Query;
}

const require = createRequire(import.meta.url);
const grammarDir = path.join(path.dirname(require.resolve("@vscode/tree-sitter-wasm/package.json")), "wasm");

let initialized: Promise<void> | undefined;
const loaded = new Map<string, Promise<LoadedLanguage>>();

async function load(spec: LanguageSpec): Promise<LoadedLanguage> {
  initialized ??= Parser.init();
  await initialized;
  const language = await Language.load(path.join(grammarDir, `tree-sitter-${spec.grammar}.wasm`));
  const parser = new Parser();
  parser.setLanguage(language);
  return { parser, query: new Query(language, spec.query) };
}

function languageFor(name: string, spec: LanguageSpec): Promise<LoadedLanguage> {
  let entry = loaded.get(name);
  if (!entry) {
    entry = load(spec);
    loaded.set(name, entry);
  }
  return entry;
}

/**
 * The names one file defines and uses, or undefined when its language has no grammar here. Parsing is
 * pure WebAssembly: no native build.
 */
export async function extractNames(filePath: string, source: string): Promise<FileNames | undefined> {
  const language = languageOf(filePath);
  if (!language) return undefined;
  const { parser, query } = await languageFor(language.name, language.spec);
  const tree = parser.parse(source);
  if (!tree) return undefined;
  try {
    const captures = query.captures(tree.rootNode);
    const definitions: Definition[] = [];
    const defined = new Set<number>();
    for (const { name, node } of captures) {
      if (name !== "def") continue;
      defined.add(node.startIndex);
      definitions.push({ name: node.text, line: node.startPosition.row });
    }
    const references = new Map<string, number>();
    for (const { name, node } of captures) {
      if (name !== "ref" || defined.has(node.startIndex)) continue;
      const text = node.text;
      if (text.length > 1) references.set(text, (references.get(text) ?? 0) + 1);
    }
    return { definitions, references };
  } finally {
    tree.delete();
  }
}

const word = /[A-Za-z_$][\w$]*/g;

/** Code in a language without a grammar here: every identifier-like word counts as a use. */
export function wordNames(source: string): FileNames {
  const references = new Map<string, number>();
  for (const [name] of source.matchAll(word)) {
    if (name.length > 1) references.set(name, (references.get(name) ?? 0) + 1);
  }
  return { definitions: [], references };
}
