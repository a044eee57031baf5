/** A weighted directed graph over node indexes 0..n-1: `edges[from]` maps each target to its weight. */
export interface WeightedGraph {
  size: number;
  edges: Map<number, number>[];
}

export interface PageRankOptions {
  /** Where a random surfer restarts: one non-negative weight per node (normalized here). */
  personalization: Float64Array;
  damping?: number;
  maxIterations?: number;
  tolerance?: number;
}

/**
 * Personalized PageRank by power iteration, as networkx computes it for aider: rank flows along edges
 * in proportion to their weight, restarts and dangling nodes follow the personalization vector, so
 * files near what the task mentions rise.
 */
export function pageRank(graph: WeightedGraph, options: PageRankOptions): Float64Array {
  const n = graph.size;
  const damping = options.damping ?? 0.85;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-9;
  const restart = normalized(options.personalization, n);
  const outWeight = new Float64Array(n);
  for (let from = 0; from < n; from++) {
    for (const weight of graph.edges[from]?.values() ?? []) {
      outWeight[from] = (outWeight[from] ?? 0) + weight;
    }
  }
  let rank = Float64Array.from(restart);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const next = new Float64Array(n);
    let dangling = 0;
    for (let from = 0; from < n; from++) {
      const total = outWeight[from] ?? 0;
      const value = rank[from] ?? 0;
      if (total === 0) {
        dangling += value;
        continue;
      }
      for (const [to, weight] of graph.edges[from] ?? []) {
        next[to] = (next[to] ?? 0) + (damping * value * weight) / total;
      }
    }
    let change = 0;
    for (let node = 0; node < n; node++) {
      const value = (next[node] ?? 0) + (damping * dangling + (1 - damping)) * (restart[node] ?? 0);
      change += Math.abs(value - (rank[node] ?? 0));
      next[node] = value;
    }
    rank = next;
    if (change < n * tolerance) break;
  }
  return rank;
}

function normalized(weights: Float64Array, n: number): Float64Array {
  let sum = 0;
  for (const weight of weights) sum += weight;
  if (sum <= 0) return new Float64Array(n).fill(1 / Math.max(n, 1));
  return weights.map((weight) => weight / sum);
}
