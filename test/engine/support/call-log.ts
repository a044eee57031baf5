import { appendFileSync, existsSync, readFileSync } from "node:fs";
import type { PluginAdapters } from "../../../src/plugins/catalog.ts";
import { type BehaviourContext, defaultResult, recordingAdapters } from "./recording-ports.ts";

export interface LoggedCall {
  pid: number;
  action: string;
  idempotencyKey: string;
  input: Record<string, unknown>;
}

/**
 * Adapters that append every call to a file before answering: written synchronously, so the calls of a
 * process killed with SIGKILL are still there for the test to read.
 */
export function fileLoggingAdapters(
  logFile: string,
  behaviours: Record<string, (input: Record<string, unknown>) => Promise<unknown>> = {},
): PluginAdapters {
  const log =
    (action: string) => async (input: Record<string, unknown>, _call: number, ctx: BehaviourContext) => {
      const entry: LoggedCall = { pid: process.pid, action, idempotencyKey: ctx.idempotencyKey, input };
      appendFileSync(logFile, `${JSON.stringify(entry)}\n`);
      const behaviour = behaviours[action];
      return behaviour ? behaviour(input) : defaultResult(action, input);
    };
  return recordingAdapters({
    "task_management.update_status": log("task_management.update_status"),
    "version_control.open_pull_request": log("version_control.open_pull_request"),
    "communication.notify": log("communication.notify"),
  }).adapters;
}

export function readCallLog(logFile: string): LoggedCall[] {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as LoggedCall);
}
