import { pageRank, type WeightedGraph } from "./pagerank.ts";
import { foldName, subwordsOf, type TaskTerms } from "./task-terms.ts";

/** One file as the ranking sees it: its path and, when it was parsed, the names it defines and uses. */
export interface FileTags {
  path: string;
  /** name → the lines (0-based) that define it, with their text for the map. */
  definitions?: Map<string, { line: number; text: string }[]>;
  /** name → how many times the file uses it. */
  references?: Map<string, number>;
}

export interface RankedDefinition {
  name: string;
  line: number;
  text: string;
  rank: number;
}

export interface RankedFile {
  path: string;
  score: number;
  /** Its definitions, most relevant first. */
  definitions: RankedDefinition[];
}

/** The share of a file's score that comes from matching the task's words; PageRank gives the rest. */
const lexicalShare = 0.6;

/** Names defined by more files than this link nothing specific (`__init__`, `constructor`, `get`). */
const maxDefiners = 40;

const testPath =
  /(^|\/)(tests?|__tests__|spec|specs|testing)\/|[._-](test|spec)s?\.\w+$|(^|\/)test_[^/]+$|_test\.\w+$/i;

function isSpecificName(name: string): boolean {
  const snake = name.includes("_") && /[a-z]/i.test(name);
  const kebab = name.includes("-") && /[a-z]/i.test(name);
  const camel = /[A-Z]/.test(name) && /[a-z]/.test(name);
  return (snake || kebab || camel) && name.length >= 8;
}

/**
 * Ranks a repository's files for a task, after aider's repo map: a graph from each file to the files
 * defining the names it uses (weighted by how specific the name is and how often it is used),
 * personalized PageRank restarting at what the task points to. Beyond aider, the restart also goes to
 * the files that define a name the task mentions (weighed by the name's rarity), to files whose path
 * parts match the task's words (`to-json-schema.ts` for `toJSONSchema`), and a little to the files
 * changed most and most recently. Test files get half the pull of the code they test. A file's score
 * is 60% its share of the task-word match (BM25, squared) and 40% its PageRank: the graph alone
 * favours the files everything uses, which are seldom the ones a fix touches.
 */
export function rankFiles(files: FileTags[], terms: TaskTerms, history: Map<string, number>): RankedFile[] {
  const n = files.length;
  if (n === 0) return [];
  const definers = new Map<string, number[]>();
  const users = new Map<string, Map<number, number>>();
  files.forEach((file, index) => {
    for (const name of file.definitions?.keys() ?? []) {
      const list = definers.get(name) ?? [];
      list.push(index);
      definers.set(name, list);
    }
    for (const [name, count] of file.references ?? []) {
      const byFile = users.get(name) ?? new Map<number, number>();
      byFile.set(index, count);
      users.set(name, byFile);
    }
  });

  const mention = mentionWeights(files, terms, definers, users);
  // Squared, so the few files that match many rare task words stand out from the many that match one.
  const sharpened = mention.map((weight) => weight * weight);
  const personalization = restartWeights(files, sharpened, history);
  const graph = referenceGraph(n, definers, users, terms);
  const rank = pageRank(graph, { personalization });
  const sharpenedSum = sharpened.reduce((sum, weight) => sum + weight, 0);
  const mentionTotal = sharpenedSum || 1;
  // PageRank alone favours the files everything uses (aider's maps lead with them); the task's own
  // words decide more than half of a file's score when there are any.
  const blend = sharpenedSum > 0 ? lexicalShare : 0;
  const definitionRank = definitionRanks(graph, rank, files, terms);

  return files
    .map((file, index) => ({
      path: file.path,
      score: blend * ((sharpened[index] ?? 0) / mentionTotal) + (1 - blend) * (rank[index] ?? 0),
      definitions: rankedDefinitionsOf(file, definitionRank.get(index), terms),
    }))
    .sort((a, b) => b.score - a.score || a.path.localeCompare(b.path));
}

/**
 * How strongly each file matches the task's words, BM25 over the names the file defines (each counted
 * three times) and uses, plus its path parts: a file that defines several of the rare names the task
 * mentions scores far above one that uses a common word. A path the task names weighs most.
 */
function mentionWeights(
  files: FileTags[],
  terms: TaskTerms,
  definers: Map<string, number[]>,
  users: Map<string, Map<number, number>>,
): Float64Array {
  const n = files.length;
  const weights = new Float64Array(n);
  const k1 = 1.2;
  const b = 0.75;
  const lengths = files.map((file) => {
    let length = 0;
    for (const places of file.definitions?.values() ?? []) length += 3 * places.length;
    for (const count of file.references?.values() ?? []) length += count;
    return length + 3;
  });
  const averageLength = lengths.reduce((sum, length) => sum + length, 0) / n;
  const idf = (documents: number) => Math.log(1 + (n - documents + 0.5) / (documents + 0.5));
  const addTerm = (index: number, frequency: number, documents: number, boost: number) => {
    const norm = k1 * (1 - b + (b * (lengths[index] ?? averageLength)) / averageLength);
    weights[index] =
      (weights[index] ?? 0) + boost * idf(documents) * ((frequency * (k1 + 1)) / (frequency + norm));
  };

  for (const [name, mentions] of terms.identifiers) {
    const defined = definers.get(name) ?? [];
    const used = users.get(name);
    const documents = new Set([...defined, ...(used?.keys() ?? [])]);
    if (documents.size === 0) continue;
    const boost = (isSpecificName(name) ? 2 : 1) * (1 + Math.log(mentions));
    for (const index of documents) {
      const frequency = 3 * (files[index]?.definitions?.get(name)?.length ?? 0) + (used?.get(index) ?? 0);
      addTerm(index, frequency, documents.size, boost);
    }
  }

  // Parts of names: "folded" in the task finds `foldFlowLines`, at a third of an exact name's weight.
  const subwordCounts = files.map((file) => fileSubwords(file, terms));
  const subwordFiles = new Map<string, number>();
  for (const counts of subwordCounts) {
    for (const part of counts.keys()) subwordFiles.set(part, (subwordFiles.get(part) ?? 0) + 1);
  }
  subwordCounts.forEach((counts, index) => {
    for (const [part, frequency] of counts) {
      const mentions = terms.subwords.get(part) ?? 1;
      addTerm(index, frequency, subwordFiles.get(part) ?? 1, (1 + Math.log(mentions)) / 3);
    }
  });

  // Path parts: directories, the file name, the name without its extension, each folded.
  const partsOf = files.map((file) => pathParts(file.path));
  const partFiles = new Map<string, number>();
  for (const parts of partsOf) {
    for (const part of parts) partFiles.set(part, (partFiles.get(part) ?? 0) + 1);
  }
  partsOf.forEach((parts, index) => {
    for (const part of parts) {
      if (terms.folded.has(part)) addTerm(index, 3, partFiles.get(part) ?? 1, 1.5);
    }
  });

  files.forEach((file, index) => {
    if (testPath.test(file.path)) weights[index] = (weights[index] ?? 0) * 0.5;
  });

  // A path the task names outweighs every word match: the reporter has said where to look.
  const strongest = weights.reduce((max, weight) => Math.max(max, weight), 0) + 1;
  for (const mentioned of terms.paths) {
    const matches: number[] = [];
    files.forEach((file, index) => {
      if (file.path === mentioned || file.path.endsWith(`/${mentioned}`)) matches.push(index);
    });
    for (const index of matches) {
      weights[index] = (weights[index] ?? 0) + strongest / matches.length;
    }
  }
  return weights;
}

/** How often each of the task's subwords occurs in a file's defined names (×3), path (×3) and uses. */
function fileSubwords(file: FileTags, terms: TaskTerms): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (name: string, weight: number) => {
    for (const part of subwordsOf(name)) {
      if (terms.subwords.has(part)) counts.set(part, (counts.get(part) ?? 0) + weight);
    }
  };
  for (const name of file.definitions?.keys() ?? []) add(name, 3);
  for (const name of file.references?.keys() ?? []) add(name, 1);
  for (const segment of file.path.split("/")) add(segment, 3);
  return counts;
}

function pathParts(filePath: string): Set<string> {
  const segments = filePath.split("/");
  const base = segments.at(-1) ?? filePath;
  const stem = base.includes(".") ? base.slice(0, base.indexOf(".")) : base;
  const parts = new Set([...segments.slice(0, -1), base, stem].map(foldName));
  parts.delete("");
  return parts;
}

function restartWeights(
  files: FileTags[],
  mention: Float64Array,
  history: Map<string, number>,
): Float64Array {
  const n = files.length;
  const changed = new Float64Array(files.map((file) => history.get(file.path) ?? 0));
  const mentionSum = mention.reduce((sum, value) => sum + value, 0);
  const changedSum = changed.reduce((sum, value) => sum + value, 0);
  // Without any pointer in the task, history and an even spread decide.
  const shares =
    mentionSum > 0
      ? { mention: 0.8, history: changedSum > 0 ? 0.1 : 0, even: changedSum > 0 ? 0.1 : 0.2 }
      : { mention: 0, history: changedSum > 0 ? 0.5 : 0, even: changedSum > 0 ? 0.5 : 1 };
  const weights = new Float64Array(n);
  for (let index = 0; index < n; index++) {
    weights[index] =
      (mentionSum > 0 ? (shares.mention * (mention[index] ?? 0)) / mentionSum : 0) +
      (changedSum > 0 ? (shares.history * (changed[index] ?? 0)) / changedSum : 0) +
      shares.even / n;
  }
  return weights;
}

/** Edges carry the name they stand for, so rank can be handed on to definitions afterwards. */
interface NamedGraph extends WeightedGraph {
  names: Map<string, number>[];
}

function referenceGraph(
  n: number,
  definers: Map<string, number[]>,
  users: Map<string, Map<number, number>>,
  terms: TaskTerms,
): NamedGraph {
  const edges = Array.from({ length: n }, () => new Map<number, number>());
  const names = Array.from({ length: n }, () => new Map<string, number>());
  for (const [name, defining] of definers) {
    const using = users.get(name);
    if (!using || defining.length > maxDefiners) continue;
    let weight = 1;
    if (terms.identifiers.has(name)) weight *= 10;
    if (isSpecificName(name)) weight *= 10;
    if (name.startsWith("_")) weight *= 0.1;
    if (defining.length > 5) weight *= 0.1;
    for (const [from, count] of using) {
      const edgeWeight = weight * Math.sqrt(count);
      for (const to of defining) {
        if (from === to) continue;
        const fromEdges = edges[from];
        if (!fromEdges) continue;
        fromEdges.set(to, (fromEdges.get(to) ?? 0) + edgeWeight);
        names[from]?.set(`${to}\0${name}`, edgeWeight);
      }
    }
  }
  return { size: n, edges, names };
}

/** Each file's rank, handed along its out-edges to the definitions they point at (aider's step). */
function definitionRanks(
  graph: NamedGraph,
  rank: Float64Array,
  files: FileTags[],
  terms: TaskTerms,
): Map<number, Map<string, number>> {
  const result = new Map<number, Map<string, number>>();
  graph.names.forEach((named, from) => {
    let total = 0;
    for (const weight of named.values()) total += weight;
    if (total === 0) return;
    for (const [key, weight] of named) {
      const [toText, name = ""] = key.split("\0");
      const to = Number(toText);
      const byName = result.get(to) ?? new Map<string, number>();
      byName.set(name, (byName.get(name) ?? 0) + ((rank[from] ?? 0) * weight) / total);
      result.set(to, byName);
    }
  });
  // A definition the task names comes first in its file even when nothing else uses it yet.
  files.forEach((file, index) => {
    for (const name of file.definitions?.keys() ?? []) {
      if (!terms.identifiers.has(name)) continue;
      const byName = result.get(index) ?? new Map<string, number>();
      byName.set(name, (byName.get(name) ?? 0) + (rank[index] ?? 0));
      result.set(index, byName);
    }
  });
  return result;
}

function rankedDefinitionsOf(
  file: FileTags,
  ranks: Map<string, number> | undefined,
  terms: TaskTerms,
): RankedDefinition[] {
  const out: RankedDefinition[] = [];
  for (const [name, places] of file.definitions ?? []) {
    const base = ranks?.get(name) ?? 0;
    for (const place of places) {
      out.push({ name, line: place.line, text: place.text, rank: base });
    }
  }
  return out.sort(
    (a, b) =>
      b.rank - a.rank ||
      Number(terms.identifiers.has(b.name)) - Number(terms.identifiers.has(a.name)) ||
      a.line - b.line,
  );
}
