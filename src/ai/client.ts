import Anthropic, { APIConnectionTimeoutError, APIUserAbortError } from "@anthropic-ai/sdk";
import type {
  Message,
  MessageParam,
  TextBlockParam,
  ToolChoice,
  ToolUnion,
} from "@anthropic-ai/sdk/resources/messages/messages";
import type { Kysely } from "kysely";
import { BudgetExceededError } from "../budget/errors.ts";
import { microsToUsd } from "../budget/money.ts";
import { type Reservation, reserveBudget } from "../budget/reserve.ts";
import { releaseReservation, settleModelCall } from "../budget/settle.ts";
import type { AppConfig } from "../config/schema.ts";
import type { Database } from "../db/schema.ts";
import { markPaidFailure } from "../engine/model-port.ts";
import type { Logger } from "../logging/logger.ts";
import { type BreakpointOptions, withCacheBreakpoints } from "./cache-breakpoints.ts";
import { costMicros, type ModelPrice, type PriceTable, priceOf } from "./pricing.ts";
import {
  defaultRetryPolicy,
  isRetryable,
  type RetryPolicy,
  realSleep,
  retryDelayMs,
  type Sleep,
} from "./retry.ts";
import { estimateInputTokens } from "./token-estimate.ts";
import { type CallUsage, usageFromResponse } from "./usage.ts";

/** A reservation with the instant its hold stops counting (the sweeper may release it then). */
interface Hold {
  reservation: Reservation;
  model: string;
  expiresAt: Date;
}

/** Who pays for a call and where it goes in the ledger. */
export interface CallContext {
  runId: string;
  step: string;
  /**
   * The step's key (stable across its retries and resumes). Each call's ledger row is keyed by it and
   * the call's own reservation, so a settlement retried is written once while a second billed call of
   * the same step (a retry, a resume, an agent's next turn) is a row of its own and is counted.
   */
  idempotencyKey: string;
  /** Budget scopes the call is charged to (see src/budget/scopes.ts); their rows must be open. */
  scopes: readonly string[];
  signal?: AbortSignal | undefined;
  /** A cheaper model to use when the budget cannot cover the worst case of the requested one. */
  fallbackModel?: string | undefined;
}

export interface CallRequest {
  model?: string | undefined;
  maxTokens: number;
  system?: string | TextBlockParam[] | undefined;
  tools?: ToolUnion[] | undefined;
  toolChoice?: ToolChoice | undefined;
  messages: MessageParam[];
  temperature?: number | undefined;
  cache?: BreakpointOptions | undefined;
}

export interface CallResult {
  message: Message;
  /** The model that answered (the fallback when one was used). */
  model: string;
  /** The model the step asked for, when a fallback answered instead. */
  requestedModel: string | null;
  usage: CallUsage;
  costMicros: number;
  costUsd: number;
  requestId: string | null;
  attempts: number;
}

export interface ModelClientOptions {
  anthropic: Anthropic;
  db: Kysely<Database>;
  prices: PriceTable;
  defaultModel: string;
  logger: Logger;
  clock?: () => Date;
  newId?: () => string;
  sleep?: Sleep;
  random?: () => number;
  retry?: Partial<RetryPolicy>;
  /** One attempt's limit; a streamed call counts from the request to the last event. */
  timeoutMs?: number;
  /** How long a reservation outlives a crashed worker; longer than the longest call with its retries. */
  reservationTtlMs?: number;
}

/** The SDK client from configuration: ANTHROPIC_BASE_URL or ai_provider.base_url reach another endpoint. */
export function createAnthropic(
  provider: AppConfig["ai_provider"],
  env: NodeJS.ProcessEnv = process.env,
): Anthropic {
  const baseURL = provider.base_url ?? env.ANTHROPIC_BASE_URL;
  return new Anthropic({
    apiKey: provider.api_key ?? env.ANTHROPIC_API_KEY ?? null,
    ...(baseURL ? { baseURL } : {}),
    // Retries are ours (retry.ts): one reservation and one ledger row per call, whatever the attempts.
    maxRetries: 0,
  });
}

/**
 * Every model call goes through here: it prices the call, reserves its worst case on every budget scope,
 * calls the API with retries, then settles the real cost in the ledger and releases the rest.
 */
export class ModelClient {
  private readonly retry: RetryPolicy;
  private readonly clock: () => Date;
  private readonly newId: () => string;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly timeoutMs: number;
  private readonly reservationTtlMs: number;

  constructor(private readonly options: ModelClientOptions) {
    this.retry = { ...defaultRetryPolicy, ...options.retry };
    this.clock = options.clock ?? (() => new Date());
    this.newId = options.newId ?? (() => crypto.randomUUID());
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
    this.timeoutMs = options.timeoutMs ?? 10 * 60_000;
    this.reservationTtlMs =
      options.reservationTtlMs ?? this.timeoutMs * (this.retry.maxAttempts + 1) + 60_000;
  }

  /** A non-streamed call (tool use included: the agent loop sends tool results back as the next call). */
  async create(request: CallRequest, context: CallContext): Promise<CallResult> {
    return this.call(request, context, async (params, signal) => {
      const { data, request_id } = await this.options.anthropic.messages
        .create({ ...params, stream: false }, { signal, timeout: this.timeoutMs, maxRetries: 0 })
        .withResponse();
      return { message: data, requestId: request_id ?? null };
    });
  }

  /** A streamed call: `onText` sees the text as it comes; usage is the final message's, counted once. */
  async stream(
    request: CallRequest,
    context: CallContext,
    onText?: (text: string) => void,
  ): Promise<CallResult> {
    return this.call(request, context, async (params, signal) => {
      const stream = this.options.anthropic.messages.stream(params, {
        signal,
        timeout: this.timeoutMs,
        maxRetries: 0,
      });
      if (onText) stream.on("text", (text) => onText(text));
      try {
        const message = await stream.finalMessage();
        return { message, requestId: stream.request_id ?? null };
      } catch (error) {
        // After message_start the input was billed: the snapshot's usage is what we know was spent.
        const partial = stream.currentMessage;
        throw partial ? new PartialStreamError(error, partial, stream.request_id ?? null) : error;
      }
    });
  }

  private async call(
    request: CallRequest,
    context: CallContext,
    send: (
      params: Anthropic.MessageCreateParamsNonStreaming,
      signal: AbortSignal | undefined,
    ) => Promise<{
      message: Message;
      requestId: string | null;
    }>,
  ): Promise<CallResult> {
    const log = this.options.logger;
    const requestedModel = request.model ?? this.options.defaultModel;
    const parts = withCacheBreakpoints(
      { tools: request.tools, system: request.system, messages: request.messages },
      request.cache ?? {},
    );
    const inputEstimate = estimateInputTokens(parts);
    let hold = await this.reserve(requestedModel, inputEstimate, request, context);
    const model = hold.model;
    const params: Anthropic.MessageCreateParamsNonStreaming = {
      model,
      max_tokens: request.maxTokens,
      messages: parts.messages,
      ...(parts.system ? { system: parts.system } : {}),
      ...(parts.tools ? { tools: parts.tools } : {}),
      ...(request.toolChoice ? { tool_choice: request.toolChoice } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    };
    const price = priceOf(this.options.prices, model);
    const fallbackFrom = model === requestedModel ? null : requestedModel;
    const settled = { model, fallbackFrom, price };
    // What earlier attempts of this call were charged (sent, then timed out): the result and a final
    // error carry it, so the step counts it too.
    let paidMicros = 0;

    for (let attempt = 1; ; attempt += 1) {
      if (context.signal?.aborted) {
        // Nothing was sent for this attempt: the hold goes back untouched.
        await releaseReservation(this.options.db, hold.reservation, this.clock());
        throw markPaidFailure(context.signal.reason, microsToUsd(paidMicros));
      }
      try {
        const { message, requestId } = await send(params, context.signal);
        const usage = usageFromResponse(message.usage);
        const result = await this.settle(hold, context, {
          ...settled,
          usage,
          requestId,
          message,
          attempt,
        });
        return {
          ...result,
          costMicros: result.costMicros + paidMicros,
          costUsd: microsToUsd(result.costMicros + paidMicros),
        };
      } catch (error) {
        if (error instanceof SettlementError) throw markPaidFailure(error, microsToUsd(paidMicros));
        if (error instanceof PartialStreamError) {
          const partial = await this.settle(hold, context, {
            ...settled,
            usage: usageFromResponse(error.partial.usage),
            requestId: error.requestId,
            message: error.partial,
            attempt,
          });
          throw markPaidFailure(error.cause, microsToUsd(paidMicros + partial.costMicros));
        }
        if (wasSentUnreported(error)) {
          // The request went out and may have been billed, but the API reported no usage: charge the
          // hold's worst case, so the ledger never misses a call. A retry needs a hold of its own.
          paidMicros += await this.chargeHold(hold, context, { ...settled, attempt, inputEstimate, request });
        }
        const wait =
          attempt < this.retry.maxAttempts && isRetryable(error) && !context.signal?.aborted
            ? retryDelayMs(error, attempt, this.retry, this.clock(), this.random)
            : undefined;
        if (wait === undefined) {
          if (!wasSentUnreported(error))
            await releaseReservation(this.options.db, hold.reservation, this.clock());
          log.warn(
            { runId: context.runId, step: context.step, model, attempt, paidMicros, err: error },
            "model call failed",
          );
          throw markPaidFailure(error, microsToUsd(paidMicros));
        }
        log.info(
          { runId: context.runId, step: context.step, model, attempt, waitMs: wait },
          "model call retrying",
        );
        try {
          await this.sleep(wait, context.signal);
        } catch (cancelled) {
          if (!wasSentUnreported(error))
            await releaseReservation(this.options.db, hold.reservation, this.clock());
          throw markPaidFailure(cancelled, microsToUsd(paidMicros));
        }
        if (wasSentUnreported(error)) {
          try {
            hold = await this.reserve(model, inputEstimate, request, {
              ...context,
              fallbackModel: undefined,
            });
          } catch (refused) {
            throw markPaidFailure(refused, microsToUsd(paidMicros));
          }
        }
      }
    }
  }

  /**
   * Charges a hold at its worst case: the call was sent and nothing said what it used. The ledger row
   * counts the estimated input and all of max_tokens, so its tokens and cost are the reservation's.
   */
  private async chargeHold(
    hold: Hold,
    context: CallContext,
    done: {
      model: string;
      fallbackFrom: string | null;
      price: ModelPrice;
      attempt: number;
      inputEstimate: number;
      request: CallRequest;
    },
  ): Promise<number> {
    this.options.logger.warn(
      {
        runId: context.runId,
        step: context.step,
        reservationId: hold.reservation.id,
        micros: hold.reservation.micros,
      },
      "model call sent without usage: charging its reservation",
    );
    await this.record(hold, context, {
      model: done.model,
      fallbackFrom: done.fallbackFrom,
      requestId: null,
      usage: {
        inputTokens: done.inputEstimate,
        outputTokens: done.request.maxTokens,
        cacheWrite5mTokens: 0,
        cacheWrite1hTokens: 0,
        cacheReadTokens: 0,
      },
      costMicros: hold.reservation.micros,
    });
    return hold.reservation.micros;
  }

  /** Reserves the worst case of the requested model, or of the fallback when only that one fits. */
  private async reserve(
    requestedModel: string,
    inputEstimate: number,
    request: CallRequest,
    context: CallContext,
  ): Promise<Hold> {
    const candidates = [requestedModel, ...(context.fallbackModel ? [context.fallbackModel] : [])];
    let refusal: BudgetExceededError | undefined;
    for (const model of candidates) {
      const price = priceOf(this.options.prices, model);
      const now = this.clock();
      const expiresAt = new Date(now.getTime() + this.reservationTtlMs);
      const outcome = await reserveBudget(this.options.db, {
        id: this.newId(),
        scopes: context.scopes,
        micros: worstCaseMicros(price, inputEstimate, request.maxTokens, request.cache?.prefixTtl === "1h"),
        tokens: inputEstimate + request.maxTokens,
        runId: context.runId,
        now,
        expiresAt,
      });
      if (outcome.ok) {
        if (model !== requestedModel) {
          this.options.logger.info(
            { runId: context.runId, step: context.step, model, requestedModel },
            "budget low: using the fallback model",
          );
        }
        return { reservation: outcome.reservation, model, expiresAt };
      }
      refusal ??= new BudgetExceededError(outcome.refusal);
    }
    this.options.logger.warn(
      { runId: context.runId, step: context.step, refusal: refusal?.refusal },
      "model call refused by budget",
    );
    throw refusal ?? new Error("no model to reserve for");
  }

  private async settle(
    hold: Hold,
    context: CallContext,
    done: {
      model: string;
      fallbackFrom: string | null;
      usage: CallUsage;
      price: ModelPrice;
      requestId: string | null;
      message: Message;
      attempt: number;
    },
  ): Promise<CallResult> {
    const cost = costMicros(done.price, done.usage);
    await this.record(hold, context, { ...done, costMicros: cost });
    return {
      message: done.message,
      model: done.model,
      requestedModel: done.fallbackFrom,
      usage: done.usage,
      costMicros: cost,
      costUsd: microsToUsd(cost),
      requestId: done.requestId,
      attempts: done.attempt,
    };
  }

  /**
   * Writes a sent call to the ledger and its spend to the budgets. A failed write is retried with
   * backoff for as long as the hold lasts, and the hold is never released meanwhile: the money was
   * spent, so the budget keeps counting it until it is recorded. The write is idempotent (settle.ts),
   * so a retry after a write whose answer was lost records it once.
   */
  private async record(
    hold: Hold,
    context: CallContext,
    done: {
      model: string;
      fallbackFrom: string | null;
      usage: CallUsage;
      requestId: string | null;
      costMicros: number;
    },
  ): Promise<void> {
    const entry = {
      idempotencyKey: `${context.idempotencyKey}/${hold.reservation.id}`,
      runId: context.runId,
      step: context.step,
      model: done.model,
      requestedModel: done.fallbackFrom,
      requestId: done.requestId,
      inputTokens: done.usage.inputTokens,
      outputTokens: done.usage.outputTokens,
      cacheWrite5mTokens: done.usage.cacheWrite5mTokens,
      cacheWrite1hTokens: done.usage.cacheWrite1hTokens,
      cacheReadTokens: done.usage.cacheReadTokens,
      costMicros: done.costMicros,
      createdAt: this.clock(),
    };
    for (let attempt = 1; ; attempt += 1) {
      try {
        const outcome = await settleModelCall(this.options.db, hold.reservation, entry);
        this.options.logger.info(
          {
            runId: context.runId,
            step: context.step,
            model: done.model,
            requestId: done.requestId,
            costMicros: done.costMicros,
            usage: done.usage,
            recorded: outcome.recorded,
          },
          "model call settled",
        );
        return;
      } catch (error) {
        const delay = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
        const giveUp = this.clock().getTime() + delay >= hold.expiresAt.getTime();
        this.options.logger.error(
          {
            runId: context.runId,
            step: context.step,
            reservationId: hold.reservation.id,
            attempt,
            giveUp,
            err: error,
          },
          "model call settlement failed",
        );
        if (giveUp) throw new SettlementError(hold.reservation.id, error);
        // Not cancellable: a cancelled run's spend must still be recorded.
        await this.sleep(delay, undefined);
      }
    }
  }
}

/** True for a call that may have reached the API but got no answer to read usage from. */
function wasSentUnreported(error: unknown): boolean {
  return error instanceof APIUserAbortError || error instanceof APIConnectionTimeoutError;
}

/** A sent call could not be written to the ledger while its hold lasted. */
export class SettlementError extends Error {
  constructor(reservationId: string, cause: unknown) {
    super(
      `a model call was made but could not be recorded (reservation ${reservationId}); its hold stays until it expires`,
      { cause },
    );
    this.name = "SettlementError";
  }
}

/**
 * The most a call can cost: every estimated input token at the dearest input rate it could be billed at
 * (a cache write), and max_tokens of output.
 */
export function worstCaseMicros(
  price: ModelPrice,
  inputTokens: number,
  maxTokens: number,
  oneHourCache: boolean,
): number {
  const inputRate = Math.max(price.input, price.cacheWrite5m, oneHourCache ? price.cacheWrite1h : 0);
  return Math.ceil(inputRate * inputTokens + price.output * maxTokens);
}

/** A stream that failed after message_start: the partial usage is billed and must be settled. */
class PartialStreamError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly partial: Message,
    readonly requestId: string | null,
  ) {
    super("stream failed after it started", { cause });
  }
}
