import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { budgetTaskKeyOf } from "../../src/runs/run-budget.ts";
import { openTestDatabase, type TestDatabase } from "../support/database.ts";

let database: TestDatabase;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

const repository = "Codertocat/Hello-World";

/** A finished run on `target`, as the intake stores one. */
async function storedRun(target: {
  kind: "issue" | "pull_request";
  number: number;
  taskKey?: string;
  pullRequest?: number;
}): Promise<void> {
  await database.db
    .insertInto("runs")
    .values({
      id: randomUUID(),
      workflow: "implement-issue",
      status: "succeeded",
      inputs: "{}",
      variables: "{}",
      context: "{}",
      repository,
      target_kind: target.kind,
      target_number: target.number,
      task_key: target.taskKey ?? null,
      pull_request_number: target.pullRequest ?? null,
    })
    .execute();
}

describe("the task a run's task budget counts", () => {
  it("is the issue for work on the pull request the app opened for it, and the ticket for a ticket's", async () => {
    await storedRun({ kind: "issue", number: 7, pullRequest: 12 });
    await storedRun({ kind: "issue", number: 3, taskKey: "PROJ-3", pullRequest: 14 });
    const db = database.db;
    const onPull = (number: number) =>
      budgetTaskKeyOf(db, { repository, targetKind: "pull_request", targetNumber: number, taskKey: null });

    expect(await onPull(12)).toBe(`${repository}#7`);
    expect(await onPull(14)).toBe("PROJ-3");
    // A pull request someone else opened is a task of its own.
    expect(await onPull(99)).toBe(`${repository}#99`);
    expect(
      await budgetTaskKeyOf(db, { repository, targetKind: "issue", targetNumber: 3, taskKey: "PROJ-3" }),
    ).toBe("PROJ-3");
    // Ticket PROJ-3 and issue #3 of the same repository never share a budget.
    expect(
      await budgetTaskKeyOf(db, { repository, targetKind: "issue", targetNumber: 3, taskKey: null }),
    ).toBe(`${repository}#3`);
  });
});
