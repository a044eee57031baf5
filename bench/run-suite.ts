/**
 * One bench suite in a process of its own (`bench/run.ts` starts one per suite): each suite is timed in
 * a fresh process, not in one grown by the suites before it. A process holding gigabytes (PGlite
 * instances, a load test's buffers) spawns every child slower, and the workspace suite, which spawns
 * git, measured 200+ ms warm there against about 100 ms in a fresh one.
 * Usage: `tsx bench/run-suite.ts <suite file> <result file>`; the result file gets `{ name, figures, rows }`.
 */
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { BenchFigures } from "./run.ts";

const [suiteFile, resultFile] = process.argv.slice(2);
if (!suiteFile || !resultFile) throw new Error("usage: tsx bench/run-suite.ts <suite file> <result file>");
const suite = (await import(pathToFileURL(suiteFile).href)) as {
  name: string;
  run: () => Promise<BenchFigures>;
};
const result = await suite.run();
writeFileSync(resultFile, JSON.stringify({ name: suite.name, ...result }));
// A suite that leaves a handle open (a pool, a timer) must not keep the bench waiting.
process.exit(0);
