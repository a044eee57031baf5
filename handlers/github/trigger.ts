import type { Context } from "probot";
import type { RunTrigger } from "../../src/runs/run-request.ts";

interface TriggerPayload {
  installation?: { id: number };
  repository: { name: string; full_name: string; owner: { login: string }; default_branch?: string };
  sender: { login: string; id: number; type: string };
}

interface TargetFields {
  number: number;
  title: string;
  body?: string | null;
  html_url: string;
}

/** The fields every GitHub trigger shares, read once from a verified payload. */
export function githubTrigger(
  context: Context,
  payload: TriggerPayload,
  target: { kind: "issue" | "pull_request"; fields: TargetFields },
): RunTrigger | undefined {
  const installationId = payload.installation?.id;
  if (!installationId) return undefined; // not sent through an installation: nothing to act with
  return {
    source: "github",
    deliveryId: context.id,
    event: eventName(context),
    actor: { login: payload.sender.login, id: payload.sender.id },
    installationId,
    repository: {
      owner: payload.repository.owner.login,
      name: payload.repository.name,
      fullName: payload.repository.full_name,
      ...(payload.repository.default_branch ? { defaultBranch: payload.repository.default_branch } : {}),
    },
    target: {
      kind: target.kind,
      number: target.fields.number,
      title: target.fields.title,
      body: target.fields.body ?? "",
      url: target.fields.html_url,
    },
  };
}

/** What every delivery has, whether it came through a typed handler or onAny. */
export interface DeliveryContext {
  id: string;
  name: string;
  payload: unknown;
}

export function eventName(context: DeliveryContext): string {
  const action = (context.payload as { action?: string }).action;
  return action ? `${context.name}.${action}` : context.name;
}

export function deliveryOf(context: DeliveryContext) {
  const payload = context.payload as { installation?: { id: number }; repository?: { full_name: string } };
  return {
    id: context.id,
    source: "github" as const,
    event: eventName(context),
    installationId: payload.installation?.id ?? null,
    repository: payload.repository?.full_name ?? null,
  };
}
