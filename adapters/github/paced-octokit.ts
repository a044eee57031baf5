import Bottleneck from "bottleneck";
import { ProbotOctokit } from "probot";

/**
 * How the app paces its writes to GitHub, per installation. Octokit's throttling plugin (inside Probot)
 * spaces every mutating request 1 s after the last and every one that notifies people (comments, pull
 * requests, review requests) 3 s, for the whole process: a run's dozen writes then cost it ten seconds
 * of waiting, most of its time outside the model. GitHub documents its secondary limits as volume and
 * points: no more than 80 content-generating requests a minute and 500 an hour, and 900 points a minute
 * per REST endpoint (a write costs 5, so 180 writes); its advice to wait a second between writes is for
 * making "a large number" of them. The plugin's 3 s pace is 1,200 content-generating requests an hour,
 * past the hourly limit after 25 minutes of steady work; its 1 s pace spends no burst at all.
 *
 * So each installation gets a bucket per kind, sized from those numbers:
 * - requests that notify people (GitHub's content-generating ones): 40 at once, then one every 8 s, so
 *   no hour holds more than 40 + 450 = 490 of them and no minute more than 48;
 * - every write: 60 at once, then one a second (at most 120 in a minute, under one endpoint's 180).
 * A team that labels ten issues at once has its runs' writes (about ten each, four that notify) go out
 * as fast as the runs make them; only a steady stream is paced. A secondary-limit answer is still
 * honoured with its retry-after (adapters/rate-limit-retries.ts). The buckets are per process: two
 * worker processes of one installation have two.
 */
const writeBurst = 60;
const notifyingBurst = 40;
const notifyingRefillMs = 8_000;

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
  notifications: pacedGroup(notifyingBurst, notifyingRefillMs),
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
