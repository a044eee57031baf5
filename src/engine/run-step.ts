import { isUserFacingError, PartialEffectError } from "../errors.ts";
import { scrubSecrets } from "../logging/logger.ts";
import { backoffMs } from "./backoff.ts";
import { stepOutputBindings } from "./check-workflow.ts";
import { durationMs } from "./duration.ts";
import { stepKey } from "./loaded-workflow.ts";
import { redactForStorage } from "./redact.ts";
import { evaluateCondition, resolveValue } from "./references.ts";
import { expressionScope, type RunExecution } from "./run-execution.ts";
import type { StepPhase } from "./run-status.ts";
import {
  finishStepRun,
  insertSkippedStep,
  LeaseLostError,
  recordAttemptError,
  startStepRun,
} from "./run-store.ts";
import { executeStepKind } from "./step-kinds/execute-step-kind.ts";
import { PermanentStepError, type StepOutputs } from "./step-kinds/step-context.ts";
import { withTimeout } from "./timeout.ts";
import { type AnyStepDefinition, stepKindOf } from "./workflow-schema.ts";

export type StepOutcome =
  | { status: "succeeded"; outputs: StepOutputs }
  | { status: "skipped" }
  /** `outputs`: what a step that failed half-way had done (see PartialEffectError), for its rollback. */
  | { status: "failed"; error: unknown; outputs?: StepOutputs }
  /** The run was stopped (shutdown, lost lease, cancel) mid-step: the row stays "running" for a resume. */
  | { status: "interrupted" };

/** Where a step stands in the run: its phase, position, and for a rollback step its parent. */
export interface StepPlace {
  phase: StepPhase;
  position: number;
  parent?: string | undefined;
}

/**
 * Runs one step to a final state and records it: the condition, the resolved inputs, each attempt, the
 * outputs and the variables they set. The idempotency key is the same for every attempt and every
 * resume, so an adapter that wrote before a crash can recognise its own write.
 */
export async function runStep(
  exec: RunExecution,
  step: AnyStepDefinition,
  place: StepPlace,
): Promise<StepOutcome> {
  const outcome = await executeStep(exec, step, place);
  if (outcome.status !== "interrupted" && exec.deps.onStepFinished) {
    // The watcher (the progress comment) must never fail the run it watches.
    await exec.deps.onStepFinished().catch((err: unknown) => exec.log.warn({ err }, "step watcher failed"));
  }
  return outcome;
}

async function executeStep(
  exec: RunExecution,
  step: AnyStepDefinition,
  place: StepPlace,
): Promise<StepOutcome> {
  const key = stepKey(step.name, place.parent);
  const kind = stepKindOf(step) ?? "unknown";
  const ref = { runId: exec.run.id, stepName: key, phase: place.phase };
  const idempotencyKey = `${exec.run.id}/${place.phase}/${key}`;
  const log = exec.log.child({ step: key, phase: place.phase });
  const liquid = exec.deps.workflows.liquid;
  const secrets = exec.deps.secrets ?? [];

  let inputs: Record<string, unknown>;
  try {
    const scope = expressionScope(exec);
    if (step.if !== undefined && !(await evaluateCondition(liquid, step.if, scope))) {
      await insertSkippedStep(exec.db, exec.fence, {
        ...ref,
        position: place.position,
        kind,
        idempotencyKey,
        now: exec.clock(),
      });
      log.info({ condition: step.if }, "step skipped");
      return { status: "skipped" };
    }
    inputs = (await resolveValue(liquid, step.inputs, scope)) as Record<string, unknown>;
  } catch (cause) {
    const error = new PermanentStepError(`step "${key}": ${(cause as Error).message}`, { cause });
    await startStepRun(exec.db, exec.fence, {
      ...ref,
      position: place.position,
      kind,
      idempotencyKey,
      inputs: null,
      now: exec.clock(),
    });
    await finishStepRun(exec.db, exec.fence, {
      ...ref,
      status: "failed",
      outputs: null,
      error: scrubSecrets(error.message, secrets),
      costUsdMicros: 0,
      now: exec.clock(),
    });
    log.error({ err: error }, "step inputs could not be resolved");
    return { status: "failed", error };
  }

  const storedInputs = redactForStorage(inputs, secrets);
  const timeoutMs = step.timeout === undefined ? undefined : durationMs(step.timeout);
  let costUsdMicros = 0;
  for (let retry = 0; ; retry++) {
    const attempt = await startStepRun(exec.db, exec.fence, {
      ...ref,
      position: place.position,
      kind,
      idempotencyKey,
      inputs: storedInputs,
      now: exec.clock(),
    });
    log.info({ attempt, kind }, "step started");
    try {
      const outputs = await withTimeout(
        (signal) =>
          executeStepKind(step, inputs, {
            runId: exec.run.id,
            stepKey: key,
            idempotencyKey,
            leaseEpoch: exec.fence.epoch,
            signal,
            log,
            workflow: exec.workflow,
            liquid,
            adapters: exec.deps.adapters,
            model: exec.deps.model,
            agents: exec.deps.agents,
            addCost: (usd) => {
              costUsdMicros += Math.round(usd * 1_000_000);
            },
          }),
        { ms: timeoutMs, parent: exec.signal, stepKey: key, graceMs: exec.deps.stopGraceMs },
      );
      const variables = { ...exec.variables, ...(await mappedVariables(exec, step, inputs, outputs)) };
      await finishStepRun(exec.db, exec.fence, {
        ...ref,
        status: "succeeded",
        outputs: redactForStorage(outputs, secrets),
        error: null,
        costUsdMicros,
        now: exec.clock(),
        variables,
      });
      exec.variables = variables;
      exec.costUsdMicros += costUsdMicros;
      log.info({ attempt, costUsdMicros }, "step finished");
      return { status: "succeeded", outputs };
    } catch (error) {
      // Another worker owns the run now: this one writes nothing more.
      if (error instanceof LeaseLostError) throw error;
      if (exec.signal.aborted) {
        log.warn({ attempt, reason: String(exec.signal.reason) }, "step interrupted");
        return { status: "interrupted" };
      }
      const message = scrubSecrets(error instanceof Error ? error.message : String(error), secrets);
      const retries = step.on_error === "retry" ? (step.retries ?? 0) : 0;
      if (retry < retries && isRetryable(error)) {
        const delay = backoffMs(step.backoff, retry + 1);
        log.warn({ attempt, delayMs: delay, err: error }, "step failed; retrying");
        await recordAttemptError(exec.db, exec.fence, ref, message);
        await exec.sleep(delay, exec.signal);
        continue;
      }
      // What took effect before the failure is kept, with the variables it maps to, for the rollback.
      const partial = error instanceof PartialEffectError ? error.outputs : undefined;
      const variables = partial
        ? { ...exec.variables, ...(await mappedVariables(exec, step, inputs, partial, { lenient: true })) }
        : undefined;
      await finishStepRun(exec.db, exec.fence, {
        ...ref,
        status: "failed",
        outputs: partial ? redactForStorage(partial, secrets) : null,
        error: message,
        costUsdMicros,
        now: exec.clock(),
        variables,
      });
      if (variables) exec.variables = variables;
      exec.costUsdMicros += costUsdMicros;
      log.error({ attempt, err: error, partial: partial !== undefined }, "step failed");
      return partial ? { status: "failed", error, outputs: partial } : { status: "failed", error };
    }
  }
}

/** The run variables a finished step sets: its outputs mapping, or for a set step its inputs. */
async function mappedVariables(
  exec: RunExecution,
  step: AnyStepDefinition,
  inputs: Record<string, unknown>,
  outputs: StepOutputs,
  options: { lenient?: boolean } = {},
): Promise<Record<string, unknown>> {
  const values: Record<string, unknown> = {};
  if (stepKindOf(step) === "set") Object.assign(values, inputs);
  const scope = { ...expressionScope(exec), result: outputs };
  // Both forms of outputs (`task: task_data`, `pr_url: ${result.url}`) come as variable + expression.
  for (const { key, variable, expression } of stepOutputBindings(step)) {
    try {
      values[variable] = await resolveValue(exec.deps.workflows.liquid, expression, scope);
    } catch (cause) {
      // Partial outputs lack some fields: the variables they can give are set, the others left out.
      if (options.lenient) continue;
      throw new PermanentStepError(`outputs.${key} of step "${step.name}": ${(cause as Error).message}`, {
        cause,
      });
    }
  }
  return values;
}

/** Retrying helps with a flaky network or a slow service, never with a refusal or a broken input. */
function isRetryable(error: unknown): boolean {
  return !isUserFacingError(error) && !(error instanceof PermanentStepError);
}
