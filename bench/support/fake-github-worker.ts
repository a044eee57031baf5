/**
 * The fake GitHub (demo/stand-ins/fake-github.ts) in a worker thread: real GitHub is another machine, so
 * its work must not be billed to the app's event loop; only the app's client side of each call is.
 */
import { parentPort, Worker, workerData } from "node:worker_threads";
import { FakeGitHub } from "../../demo/stand-ins/fake-github.ts";

type Command = { kind: "count" } | { kind: "stop" };

if (parentPort && workerData?.kind === "fake-github") {
  const port = parentPort;
  const github = new FakeGitHub();
  for (const [login, role] of workerData.roles as [string, string][]) github.roles.set(login, role);
  await github.start();
  port.on("message", async (command: Command) => {
    if (command.kind === "count") port.postMessage(requestCounts(github));
    else {
      await github.stop();
      port.postMessage("stopped");
      port.close();
    }
  });
  port.postMessage({ port: github.port });
}

/** Requests by "METHOD /path-shape", numbers and logins folded, so a report can say what a delivery costs. */
function requestCounts(github: FakeGitHub): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of github.requests) {
    const path = r.path
      .replace(/\/\d+/g, "/:n")
      .replace(/collaborators\/[^/]+/, "collaborators/:login")
      .replace(/^\/repos\/[^/]+\/\.github\//, "/repos/:owner/.github/")
      .replace(/^\/repos\/[^/]+\/[^/]+\//, "/repos/:repo/");
    const shape = `${r.method} ${path}`;
    counts[shape] = (counts[shape] ?? 0) + 1;
  }
  return counts;
}

export interface FakeGitHubThread {
  host: string;
  requestCounts(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export async function startFakeGitHubThread(roles: [string, string][]): Promise<FakeGitHubThread> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { kind: "fake-github", roles } });
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
  const { port } = await next<{ port: number }>();
  return {
    host: `127.0.0.1:${port}`,
    requestCounts: async () => {
      const answer = next<Record<string, number>>();
      worker.postMessage({ kind: "count" } satisfies Command);
      return await answer;
    },
    stop: async () => {
      const answer = next<string>();
      worker.postMessage({ kind: "stop" } satisfies Command);
      await answer;
      await worker.terminate();
    },
  };
}
