/**
 * `npm run demo` (see show-sample-run.ts). The stand-ins answer with GitHub's published webhook
 * examples, a development dependency: without them (`npm ci --omit=dev`) say so instead of a stack trace.
 */
import { createRequire } from "node:module";

try {
  createRequire(import.meta.url).resolve("@octokit/webhooks-examples");
} catch {
  process.stderr.write(
    "npm run demo needs the development dependencies (GitHub's webhook examples): run `npm ci` without --omit=dev.\n",
  );
  process.exit(1);
}
const { main } = await import("./show-sample-run.ts");
process.exitCode = await main();
