/**
 * The targets the benchmarks are held to, each read off latest.json's figures: the product's issues set
 * them, and the report prints every one with its value and whether it was met. A goal whose figures were
 * not measured in this run (PostgreSQL without DATABASE_URL) says so rather than passing.
 */
type Figures = Record<string, unknown>;

export interface Goal {
  /** The headline figure the goal is about. */
  key: string;
  target: string;
  /** True when met, false when missed, undefined when its figures are missing. */
  met(figures: Figures): boolean | undefined;
}

export interface GoalResult {
  key: string;
  value: string;
  target: string;
  verdict: "met" | "MISSED" | "not measured";
}

const num = (figures: Figures, key: string): number | undefined => {
  const value = figures[key];
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
};

const atMost =
  (key: string, limit: number) =>
  (figures: Figures): boolean | undefined => {
    const value = num(figures, key);
    return value === undefined ? undefined : value <= limit;
  };

const atLeast =
  (key: string, floor: number) =>
  (figures: Figures): boolean | undefined => {
    const value = num(figures, key);
    return value === undefined ? undefined : value >= floor;
  };

/** Goals measured on both databases: the PostgreSQL figure carries the `_postgres` suffix. */
function onBothDatabases(make: (suffix: string) => Goal[]): Goal[] {
  return [...make(""), ...make("_postgres")];
}

export const goals: Goal[] = [
  ...onBothDatabases((s) => [
    {
      key: `ack_p99_ratio${s}`,
      target: "≤ 2× the bare Probot app's p99 at 50 % of saturation",
      met: atMost(`ack_p99_ratio${s}`, 2),
    },
    {
      key: `ack_p99_ratio_at_25pct${s}`,
      target: "≤ 2× the bare Probot app's p99 at 25 % of saturation",
      met: atMost(`ack_p99_ratio_at_25pct${s}`, 2),
    },
    {
      key: `ack_throughput_share_of_bare${s}`,
      target: "deliveries/s ≥ half the bare Probot app's",
      met: atLeast(`ack_throughput_share_of_bare${s}`, 0.5),
    },
    {
      key: `ack_intake_exactly_once${s}`,
      target: "every acknowledged delivery has exactly one intake job (1 = yes)",
      met: atLeast(`ack_intake_exactly_once${s}`, 1),
    },
    {
      key: `orchestration_ms_median${s}`,
      target: "under one git clone of the same repository (orchestration_git_clone_ms)",
      met: (f) => {
        const run = num(f, `orchestration_ms_median${s}`);
        const clone = num(f, "orchestration_git_clone_ms");
        return run === undefined || clone === undefined ? undefined : run < clone;
      },
    },
    {
      key: `budget_check_p99_vs_select1_p99${s}`,
      target: "≤ 3× SELECT 1's p99 on the same connection",
      met: atMost(`budget_check_p99_vs_select1_p99${s}`, 3),
    },
    {
      key: `rss_mb_per_run${s}`,
      target: "< 50 MB of resident memory per run in flight",
      met: atMost(`rss_mb_per_run${s}`, 49.99),
    },
  ]),
  {
    key: "workspace_warm_speedup",
    target: "warm workspace ≥ 20× faster than cold",
    met: atLeast("workspace_warm_speedup", 20),
  },
  {
    key: "cache_read_share_from_turn2",
    target: "≥ 95 % of input tokens read from the cache from turn 2 on",
    met: atLeast("cache_read_share_from_turn2", 0.95),
  },
  {
    key: "bench_minutes",
    target: "the whole `npm run bench` under 10 minutes",
    met: atMost("bench_minutes", 10),
  },
];

export function judgeGoals(figures: Figures): GoalResult[] {
  return goals.map((goal) => {
    const verdict = goal.met(figures);
    const value = figures[goal.key];
    return {
      key: goal.key,
      value: value === undefined || value === null ? "—" : String(value),
      target: goal.target,
      verdict: verdict === undefined ? "not measured" : verdict ? "met" : "MISSED",
    };
  });
}
