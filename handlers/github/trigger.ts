import type { DeliveryInfo } from "../../src/runs/intake.ts";
import type { RunTrigger } from "../../src/runs/run-request.ts";
import { type DeliveryContext, eventName } from "./event-name.ts";
import { digestOf } from "./payload-digest.ts";
import { deliveryFieldsSchema, parsedPayload, type TriggerPayload } from "./payload-schemas.ts";

export { type DeliveryContext, eventName } from "./event-name.ts";

interface TargetFields {
  number: number;
  title: string;
  body?: string | null | undefined;
  html_url: string;
}

/** The fields every GitHub trigger shares, read once from a verified and shape-checked payload. */
export function githubTrigger(
  context: DeliveryContext,
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

/** The delivery as it is recorded; throws RejectedPayload when even these few fields are malformed. */
export function deliveryOf(context: DeliveryContext): DeliveryInfo {
  const payload = parsedPayload(deliveryFieldsSchema, context);
  const digest = digestOf(context.payload);
  return {
    id: context.id,
    source: "github",
    event: eventName(context),
    installationId: payload.installation?.id ?? null,
    repository: payload.repository?.full_name ?? null,
    ...(digest ? { digest } : {}),
  };
}
