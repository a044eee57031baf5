/**
 * `npm run demo`: the whole path from a labeled issue to an open pull request, on this machine, with
 * GitHub and Claude simulated. Prints each step as the app takes it, then the pull request and its
 * diff; exits 0 once the pull request is open and the run is done, 1 with the reason otherwise.
 */
import { checkSandbox } from "../src/sandbox/check-sandbox.ts";
import { startNarration } from "./narration.ts";
import { sampleConversation } from "./sample/conversation.ts";
import { sampleIssue, sampleRepository } from "./sample/repository.ts";
import { type SampleWorld, startSampleWorld, webhookPath } from "./sample-world.ts";
import { git } from "./stand-ins/git-repos.ts";

const runDeadlineMs = 120_000;
const print = (line = "") => process.stdout.write(`${line}\n`);
const simulated =
  "GitHub and Claude are SIMULATED: a stand-in GitHub API, a local git server and a scripted model run on " +
  "this machine.\nNothing goes to github.com or to Anthropic, and no API key or GitHub App is needed.";

class DemoFailure extends Error {}

async function show(world: SampleWorld, startedAt: number): Promise<void> {
  const issue = sampleIssue;
  const turns = sampleConversation();
  print(`The app is up at ${world.app.url}: the real \`ai-dev start\`, its embedded database and`);
  print(`workspaces in ${world.root} (removed at the end).`);
  print(
    `Sample repository ${sampleRepository.fullName}: greeting.txt says "Hello, wrld", and test.sh fails on it.`,
  );
  print(
    `Issue #${issue.number} "${issue.title}": ${issue.labeledBy} adds the label ai-implement, and the demo` +
      ` sends GitHub's signed issues.labeled webhook to ${webhookPath}.`,
  );
  print();
  const narration = startNarration(world, { captions: turns.map((t) => t.caption), print, startedAt });
  let final: string;
  try {
    const status = await world.label(issue, turns);
    if (status !== 200) throw new DemoFailure(`the app answered the webhook with HTTP ${status}, not 200`);
    print(
      `  [${((performance.now() - startedAt) / 1000).toFixed(1).padStart(5)}s] webhook: accepted (HTTP 200)`,
    );
    final = await world.github
      .waitForComment((body) => /· (done|failed|cancelled)/.test(body), "the run to end", runDeadlineMs)
      .catch((error: unknown) => {
        throw new DemoFailure(`the run did not end within ${runDeadlineMs / 1000} s`, { cause: error });
      });
  } finally {
    narration.stop();
  }
  if (!final.includes("· done")) {
    const reason = /\*\*Stopped:\*\* (.*)/.exec(final)?.[1] ?? "see the progress comment above";
    throw new DemoFailure(`the run did not finish: ${reason}`);
  }
  const pull = world.github.pulls.find((p) => p.repository === sampleRepository.fullName);
  if (!pull) throw new DemoFailure("the run ended without a pull request");

  print();
  print(`Pull request #${pull.number} is open (on the simulated GitHub):`);
  print(`  title:    ${pull.title}`);
  print(`  url:      http://${world.github.host}/${pull.repository}/pull/${pull.number}`);
  print(`  branch:   ${pull.head} → ${pull.base}${pull.draft ? " (draft)" : ""}`);
  print(`  reviewer: ${pull.requestedReviewers.join(", ") || "none"}`);
  print();
  print("── description ──");
  print(pull.body);
  print();
  print("── the commit on the branch ──");
  print(git(world.bare, ["log", "-1", "--format=%an <%ae>%n%n%B", pull.head]).trimEnd());
  print();
  print(`── diff ${pull.base}...${pull.head} ──`);
  print(git(world.bare, ["diff", `${pull.base}...${pull.head}`]).trimEnd());
}

export async function main(): Promise<number> {
  const startedAt = performance.now();
  print("ai-dev demo: from a labeled issue to a pull request");
  print(simulated);
  print();
  const sandbox = await checkSandbox();
  if (!sandbox.ok) {
    process.stderr.write(
      `The demo cannot run: the agent's commands run in bubblewrap, which cannot start here (${sandbox.reason}).\n` +
        "Install it (Debian/Ubuntu: sudo apt-get install bubblewrap) and run `npm run demo` again.\n",
    );
    return 1;
  }
  print("Starting the stand-ins and the app…");
  let world: SampleWorld | undefined;
  const interrupted = () => {
    void world?.stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    world = await startSampleWorld();
    await show(world, startedAt);
    print();
    print(`Done in ${((performance.now() - startedAt) / 1000).toFixed(1)} s: the pull request is open.`);
    print(
      "Reminder: GitHub and Claude were simulated; the app, its database, the git operations and the sandbox were real.",
    );
    print("To run it for real, register the GitHub App and set ANTHROPIC_API_KEY (README: Quick start).");
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`\nThe demo failed: ${message}\n`);
    if (!(error instanceof DemoFailure) && error instanceof Error && error.stack) {
      process.stderr.write(`${error.stack}\n`);
    }
    if (world) process.stderr.write(`\nThe app's log ends with:\n${world.app.logTail()}\n`);
    process.stderr.write("(GitHub and Claude were simulated; nothing left this machine.)\n");
    return 1;
  } finally {
    await world?.stop();
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
  }
}
