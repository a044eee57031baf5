import Bottleneck from "bottleneck";
import { ProbotOctokit } from "probot";

/**
 * How the app paces its writes to GitHub, per installation. Octokit's throttling plugin (inside Probot)
 * spaces every mutating request 1 s after the last and every one that notifies people (comments, pull
 * requests, review requests) 3 s, for the whole process: a run's dozen writes then cost it ten seconds
 * of waiting, most of its time outside the model. GitHub's documented secondary limits are about volume
 * (no more than 80 content-creating requests a minute, 500 an hour) and concurrency; its advice to wait
 * a second between writes is for making "a large number" of them. So each installation gets a burst
 * that a run's writes fit in, then the plugin's own pace once the burst is spent; a secondary-limit
 * answer is still honoured with its retry-after (adapters/rate-limit-retries.ts).
 */
const writeBurst = 15;
const notifyingBurst = 5;

/** Limiters keyed by installation (the plugin keys them by its `throttle.id`, the installation id). */
function pacedGroup(burst: number, refillEveryMs: number): Bottleneck.Group {
  return new Bottleneck.Group({
    maxConcurrent: 1,
    reservoir: burst,
    reservoirIncreaseAmount: 1,
    reservoirIncreaseInterval: refillEveryMs,
    reservoirIncreaseMaximum: burst,
  });
}

const pacing = {
  write: pacedGroup(writeBurst, 1_000),
  notifications: pacedGroup(notifyingBurst, 3_000),
};

/**
 * Probot's Octokit with that pacing. The function form of `defaults` runs under Probot's own, so the
 * limiters are added to Probot's throttle options (its rate-limit handlers) instead of replacing them,
 * and installation clients, which Probot builds from the app client's options, inherit them.
 */
export const PacedOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  throttle: { ...(options.throttle as Record<string, unknown> | undefined), ...pacing },
}));
