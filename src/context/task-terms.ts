/**
 * What a task's text points at: the identifiers it names (`toJSONSchema`, `fetch_data`) and the file
 * paths it mentions (`jwt/jwks_client.py`, `help.js`). Common English words are dropped; the rest are
 * weighed later by how rare they are in the repository, so a word like "default" counts for little.
 */
export interface TaskTerms {
  /** Identifiers as written, for exact matches against names, with how often the task says each. */
  identifiers: Map<string, number>;
  /** Identifiers and words folded (lower case, no `_`, `-`, `.`), for matches against path parts. */
  folded: Set<string>;
  /** Path-like mentions: `src/a/b.ts`, `b.ts`. */
  paths: Set<string>;
  /** The words' parts, split at case changes and `_`, stemmed: "folded" and `foldFlowLines` share "fold". */
  subwords: Map<string, number>;
}

const subwordCache = new Map<string, string[]>();

/** `minContentWidth` → min, content, width; `fetch_data` → fetch, data; `folded` → fold. */
export function subwordsOf(name: string): string[] {
  let parts = subwordCache.get(name);
  if (!parts) {
    parts = name
      .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
      .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
      .split(/[^A-Za-z0-9]+/)
      .map((part) => stem(part.toLowerCase()))
      .filter((part) => part.length >= 3 && !stopWords.has(part));
    subwordCache.set(name, parts);
  }
  return parts;
}

function stem(word: string): string {
  if (word.length > 5 && word.endsWith("ing")) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith("ed")) return word.slice(0, -2);
  if (word.length > 4 && /(ss|x|z|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith("s") && !word.endsWith("ss")) return word.slice(0, -1);
  return word;
}

const stopWords = new Set(
  `a about above after again against all also am an and any are as at be because been before being
  below between both but by can could did do does doing down during each few for from further had has
  have having he her here hers him his how i if in into is it its itself just me more most my no nor not
  now of off on once only or other our out over own same she should so some such than that the their
  them then there these they this those through to too under until up very was we were what when where
  which while who whom why will with would you your yours expected actual instead still get got
  use used using like want need work works working happen happens bug issue error fix fixed should
  version see seems think thanks please example code line lines file files case way one two found
  make makes made new old true false null none let var const return import export default`
    .split(/\s+/)
    .filter((word) => word.length > 0),
);

const identifierPattern = /[A-Za-z_$][\w$]*/g;
const pathPattern = /(?:[\w@.-]+\/)*[\w@-]+(?:\.[\w-]+)*\.[A-Za-z][\w]{0,7}\b|(?:[\w@.-]+\/)+[\w@.-]+/g;

export function foldName(name: string): string {
  return name.toLowerCase().replace(/[-_.]/g, "");
}

/** Names the reporter's own snippet assigns (`const doc = …`, `yaml = …`): theirs, not the repository's. */
const snippetAssignment = /(?:\b(?:let|const|var)\s+|^[ \t]*)([A-Za-z_$][\w$]*)\s*=(?!=)/gm;

export function taskTerms(text: string): TaskTerms {
  const snippetNames = new Set([...text.matchAll(snippetAssignment)].map((match) => match[1]));
  const identifiers = new Map<string, number>();
  const folded = new Set<string>();
  const subwords = new Map<string, number>();
  for (const [word] of text.matchAll(identifierPattern)) {
    if (word.length < 3 || stopWords.has(word.toLowerCase()) || snippetNames.has(word)) continue;
    identifiers.set(word, (identifiers.get(word) ?? 0) + 1);
    folded.add(foldName(word));
    for (const part of subwordsOf(word)) subwords.set(part, (subwords.get(part) ?? 0) + 1);
  }
  const paths = new Set<string>();
  for (const [mention] of text.matchAll(pathPattern)) {
    const cleaned = mention.replace(/^\.?\//, "").replace(/[.]+$/, "");
    if (cleaned.length >= 3 && !/^\d/.test(cleaned) && !/^https?:/.test(cleaned)) paths.add(cleaned);
  }
  return { identifiers, folded, paths, subwords };
}
