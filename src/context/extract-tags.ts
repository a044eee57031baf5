import { createRequire } from "node:module";
import path from "node:path";
import { Language, Parser, Query } from "web-tree-sitter";
import { type LanguageSpec, languageOf } from "./tag-queries.ts";

/** A name a file defines or uses, with the 0-based line it is on. */
export interface Tag {
  name: string;
  kind: "def" | "ref";
  line: number;
}

interface LoadedLanguage {
  parser: Parser;
  query: Query;
}

const require = createRequire(import.meta.url);
const grammarDir = path.join(
  path.dirname(require.resolve("@vscode/tree-sitter-wasm/package.json")),
  "wasm",
);

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
 * The definitions and references in one file, or undefined when its language has no grammar here
 * (the file is then ranked by its path alone). Parsing is pure WebAssembly: no native build.
 */
export async function extractTags(filePath: string, source: string): Promise<Tag[] | undefined> {
  const language = languageOf(filePath);
  if (!language) return undefined;
  const { parser, query } = await languageFor(language.name, language.spec);
  const tree = parser.parse(source);
  if (!tree) return undefined;
  try {
    const captures = query.captures(tree.rootNode);
    const defined = new Set<number>();
    const tags: Tag[] = [];
    for (const capture of captures) {
      if (capture.name === "def") {
        defined.add(capture.node.startIndex);
        tags.push({ name: capture.node.text, kind: "def", line: capture.node.startPosition.row });
      }
    }
    for (const capture of captures) {
      if (capture.name !== "ref" || defined.has(capture.node.startIndex)) continue;
      tags.push({ name: capture.node.text, kind: "ref", line: capture.node.startPosition.row });
    }
    return tags;
  } finally {
    tree.delete();
  }
}
