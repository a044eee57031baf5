/**
 * Tells what the app does while it works, from what the stand-ins saw: each call it made to GitHub,
 * each git fetch and push, each turn of the simulated model, and every change to the progress comment
 * the run keeps on the issue (its checklist of steps). Polls the stand-ins' records; prints in order.
 */
import type { SampleWorld } from "./sample-world.ts";

interface Said {
  at: number;
  text: string;
}

const tokenLine = "GitHub: the app got an installation token";

/** A GitHub REST call in words; undefined for calls not worth a line. */
function githubCall(method: string, route: string, body: unknown): string | undefined {
  const issue = /\/issues\/(\d+)/.exec(route)?.[1];
  if (/\/access_tokens$/.test(route)) return tokenLine;
  if (/\/collaborators\/([^/]+)\/permission$/.test(route)) {
    const login = decodeURIComponent(/\/collaborators\/([^/]+)\//.exec(route)?.[1] ?? "");
    return `GitHub: asked whether ${login} may start a run (collaborator permission)`;
  }
  if (/\/contents\/\.github%2Fai-dev\.yml$|\/contents\/\.github\/ai-dev\.yml$/.test(route))
    return "GitHub: read the repository's .github/ai-dev.yml";
  if (method === "GET" && /^\/repos\/[^/]+\/[^/]+$/.test(route))
    return "GitHub: read the repository (default branch, clone URL)";
  if (method === "GET" && /\/issues\/\d+$/.test(route)) return `GitHub: read issue #${issue}`;
  if (/\/labels/.test(route)) {
    const labels = (body as { labels?: string[] } | undefined)?.labels;
    return method === "DELETE"
      ? `GitHub: removed the label ${decodeURIComponent(route.split("/").at(-1) ?? "")} from #${issue}`
      : `GitHub: labeled #${issue} ${labels?.join(", ") ?? ""}`.trimEnd();
  }
  if (method === "GET" && /\/pulls$/.test(route)) return undefined;
  if (method === "POST" && /\/pulls$/.test(route)) {
    const title = (body as { title?: string } | undefined)?.title;
    return `GitHub: opened a pull request: "${title}"`;
  }
  if (/\/requested_reviewers$/.test(route)) {
    const reviewers = (body as { reviewers?: string[] } | undefined)?.reviewers ?? [];
    return `GitHub: asked ${reviewers.join(", ")} to review the pull request`;
  }
  if (method === "PATCH" && /\/pulls\/\d+$/.test(route)) return "GitHub: updated the pull request";
  if (method === "POST" && /\/issues\/\d+\/comments$/.test(route))
    return `GitHub: posted the run's progress comment on #${issue}`;
  if (method === "PATCH" && /\/issues\/comments\/\d+$/.test(route)) return undefined;
  if (method === "GET" && /\/comments$/.test(route)) return undefined;
  return `GitHub: ${method} ${route}`;
}

/** The lines of the progress comment worth showing: its header and checklist, not the footer. */
function commentLines(body: string): string[] {
  return body.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("<sub>"));
}

export function startNarration(
  world: SampleWorld,
  options: { captions: readonly string[]; print: (line: string) => void; startedAt: number },
): { flush(): void; stop(): void } {
  const seen = { github: 0, git: 0, model: 0 };
  // Tokens are minted for the API and for git alike, and refreshed: saying it once is enough.
  let saidToken = false;
  let shownComment: string[] = [];
  const flush = () => {
    const said: Said[] = [];
    for (const request of world.github.requests.slice(seen.github)) {
      const text = githubCall(request.method, request.path, request.body);
      if (text && !(text === tokenLine && saidToken)) said.push({ at: request.at, text });
      if (text === tokenLine) saidToken = true;
      const commentBody = (request.body as { body?: unknown } | undefined)?.body;
      if (
        /\/comments(\/\d+)?$/.test(request.path) &&
        request.method !== "GET" &&
        typeof commentBody === "string"
      ) {
        const lines = commentLines(commentBody);
        const fresh = lines.filter((line) => !shownComment.includes(line));
        shownComment = lines;
        if (fresh.length > 0)
          said.push({
            at: request.at,
            text: `progress comment:\n${fresh.map((l) => `      │ ${l}`).join("\n")}`,
          });
      }
    }
    seen.github = world.github.requests.length;
    for (const request of world.git.requests.slice(seen.git)) {
      // Each fetch or push starts with one GET of …/info/refs; the POSTs after it are the same operation.
      if (request.method !== "GET" || !request.path.endsWith("/info/refs")) continue;
      said.push({
        at: request.at,
        text:
          request.service === "git-receive-pack"
            ? "git: the app pushed its branch to the repository (smart HTTP)"
            : "git: the app fetched the repository (smart HTTP)",
      });
    }
    seen.git = world.git.requests.length;
    for (const [index, request] of world.model.requests.slice(seen.model).entries()) {
      const turn = seen.model + index;
      const caption = options.captions[turn] ?? "answers (no scripted answer left)";
      said.push({ at: request.at, text: `Claude (simulated), call ${turn + 1}: ${caption}` });
    }
    seen.model = world.model.requests.length;
    for (const line of said.sort((a, b) => a.at - b.at)) {
      const seconds = ((line.at - options.startedAt) / 1000).toFixed(1).padStart(5);
      options.print(`  [${seconds}s] ${line.text}`);
    }
  };
  const timer = setInterval(flush, 100);
  return {
    flush,
    stop: () => {
      clearInterval(timer);
      flush();
    },
  };
}
