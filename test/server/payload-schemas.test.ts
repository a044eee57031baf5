import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { webhookExample } from "../../demo/stand-ins/webhook-examples.ts";
import {
  checkSuiteCompletedSchema,
  deliveryFieldsSchema,
  installationEventSchema,
  issueCommentCreatedSchema,
  issuesLabeledSchema,
  parsedPayload,
  pullRequestClosedSchema,
  reviewCommentCreatedSchema,
  reviewSubmittedSchema,
} from "../../handlers/github/payload-schemas.ts";
import { RejectedPayload } from "../../handlers/github/rejected-payload.ts";

/** Every example GitHub publishes for an event (and action). */
function examplesOf(event: string, action?: string): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  for (let index = 0; ; index += 1) {
    try {
      found.push(webhookExample(event, action, index));
    } catch {
      return found;
    }
  }
}

const cases: [string, string | undefined, z.ZodType][] = [
  ["issues", "labeled", issuesLabeledSchema],
  ["issue_comment", "created", issueCommentCreatedSchema],
  ["pull_request_review", "submitted", reviewSubmittedSchema],
  ["pull_request_review_comment", "created", reviewCommentCreatedSchema],
  ["pull_request", "closed", pullRequestClosedSchema],
  ["check_suite", "completed", checkSuiteCompletedSchema],
  ["installation", undefined, installationEventSchema],
  ["push", undefined, deliveryFieldsSchema],
  ["ping", undefined, deliveryFieldsSchema],
];

describe("the handlers' payload schemas", () => {
  it.each(cases)("accept every %s.%s example GitHub publishes", (event, action, schema) => {
    const examples = examplesOf(event, action);
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) {
      const result = schema.safeParse(example);
      expect(result.error?.issues ?? []).toEqual([]);
    }
  });

  it("refuse a labeled event without its issue, naming the event and the field", () => {
    const payload = webhookExample("issues", "labeled");
    delete payload.issue;
    expect(() => parsedPayload(issuesLabeledSchema, { name: "issues", payload })).toThrow(RejectedPayload);
    expect(() => parsedPayload(issuesLabeledSchema, { name: "issues", payload })).toThrow(
      /^the issues\.labeled payload does not have the expected shape: issue: /,
    );
  });
});
