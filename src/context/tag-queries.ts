/**
 * Tree-sitter queries that find, per language, the names a file defines (`@def`) and the names it uses
 * (`@ref`): the two sides of the file graph the repository map ranks. Written after aider's
 * `queries/tree-sitter-*-tags.scm`, but wider on the reference side: every identifier, type and
 * property name counts as a use, not only calls, so a class named in a type hint or an `except` clause
 * links its file too. A name node captured as a definition is not also counted as its own reference.
 */
const python = `
(class_definition name: (identifier) @def)
(function_definition name: (identifier) @def)
(module (expression_statement (assignment left: (identifier) @def)))
(identifier) @ref
`;

const typescriptDefinitions = `
(function_declaration name: (identifier) @def)
(generator_function_declaration name: (identifier) @def)
(function_signature name: (identifier) @def)
(class_declaration name: (type_identifier) @def)
(abstract_class_declaration name: (type_identifier) @def)
(interface_declaration name: (type_identifier) @def)
(type_alias_declaration name: (type_identifier) @def)
(enum_declaration name: (identifier) @def)
(method_definition name: (property_identifier) @def)
(method_signature name: (property_identifier) @def)
(abstract_method_signature name: (property_identifier) @def)
(public_field_definition name: (property_identifier) @def)
(program (lexical_declaration (variable_declarator name: (identifier) @def)))
(export_statement (lexical_declaration (variable_declarator name: (identifier) @def)))
(ambient_declaration (variable_declaration (variable_declarator name: (identifier) @def)))
(internal_module name: (identifier) @def)
(identifier) @ref
(type_identifier) @ref
(property_identifier) @ref
(shorthand_property_identifier) @ref
`;

const javascript = `
(function_declaration name: (identifier) @def)
(generator_function_declaration name: (identifier) @def)
(class_declaration name: (identifier) @def)
(method_definition name: (property_identifier) @def)
(field_definition property: (property_identifier) @def)
(program (lexical_declaration (variable_declarator name: (identifier) @def)))
(program (variable_declaration (variable_declarator name: (identifier) @def)))
(export_statement (lexical_declaration (variable_declarator name: (identifier) @def)))
(assignment_expression
  left: (member_expression property: (property_identifier) @def)
  right: [(function_expression) (arrow_function) (class)])
(pair key: (property_identifier) @def value: [(function_expression) (arrow_function)])
(identifier) @ref
(property_identifier) @ref
(shorthand_property_identifier) @ref
`;

const go = `
(function_declaration name: (identifier) @def)
(method_declaration name: (field_identifier) @def)
(type_spec name: (type_identifier) @def)
(source_file (const_declaration (const_spec name: (identifier) @def)))
(source_file (var_declaration (var_spec name: (identifier) @def)))
(identifier) @ref
(type_identifier) @ref
(field_identifier) @ref
`;

const rust = `
(function_item name: (identifier) @def)
(function_signature_item name: (identifier) @def)
(struct_item name: (type_identifier) @def)
(enum_item name: (type_identifier) @def)
(union_item name: (type_identifier) @def)
(trait_item name: (type_identifier) @def)
(type_item name: (type_identifier) @def)
(mod_item name: (identifier) @def)
(macro_definition name: (identifier) @def)
(const_item name: (identifier) @def)
(static_item name: (identifier) @def)
(identifier) @ref
(type_identifier) @ref
(field_identifier) @ref
`;

const java = `
(class_declaration name: (identifier) @def)
(interface_declaration name: (identifier) @def)
(enum_declaration name: (identifier) @def)
(record_declaration name: (identifier) @def)
(annotation_type_declaration name: (identifier) @def)
(method_declaration name: (identifier) @def)
(identifier) @ref
(type_identifier) @ref
`;

const ruby = `
(class name: (constant) @def)
(module name: (constant) @def)
(method name: (_) @def)
(singleton_method name: (_) @def)
(identifier) @ref
(constant) @ref
`;

export interface LanguageSpec {
  /** The grammar's file in @vscode/tree-sitter-wasm: wasm/tree-sitter-<grammar>.wasm */
  grammar: string;
  query: string;
}

const languages: Record<string, LanguageSpec> = {
  python: { grammar: "python", query: python },
  typescript: { grammar: "typescript", query: typescriptDefinitions },
  tsx: { grammar: "tsx", query: typescriptDefinitions },
  javascript: { grammar: "javascript", query: javascript },
  go: { grammar: "go", query: go },
  rust: { grammar: "rust", query: rust },
  java: { grammar: "java", query: java },
  ruby: { grammar: "ruby", query: ruby },
};

const byExtension: Record<string, string> = {
  ".py": "python",
  ".pyi": "python",
  ".ts": "typescript",
  ".mts": "typescript",
  ".cts": "typescript",
  ".tsx": "tsx",
  ".js": "javascript",
  ".mjs": "javascript",
  ".cjs": "javascript",
  ".jsx": "javascript",
  ".go": "go",
  ".rs": "rust",
  ".java": "java",
  ".rb": "ruby",
};

/** The language a file is parsed as, from its extension; undefined: it is ranked by path only. */
export function languageOf(filePath: string): { name: string; spec: LanguageSpec } | undefined {
  const dot = filePath.lastIndexOf(".");
  if (dot < 0) return undefined;
  const name = byExtension[filePath.slice(dot).toLowerCase()];
  const spec = name ? languages[name] : undefined;
  return name && spec ? { name, spec } : undefined;
}

export const parsedLanguages = Object.keys(languages);

/** Code in languages without a grammar here: their names still count as uses, by word. */
const wordScanned = new Set(
  ".c .h .cc .cpp .hpp .cs .php .kt .kts .swift .scala .sh .bash .lua .ex .exs .erl .hs .ml .dart .vue .svelte .sql".split(
    " ",
  ),
);

export function isWordScanned(filePath: string): boolean {
  const dot = filePath.lastIndexOf(".");
  return dot >= 0 && wordScanned.has(filePath.slice(dot).toLowerCase());
}
