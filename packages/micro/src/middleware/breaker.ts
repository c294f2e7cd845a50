/**
 * Circuit breakers per downstream service: when too large a share of recent calls to a service
 * fail with a 5xx, the breaker opens and further calls fail at once with a 503 instead of waiting
 * on a service that is down; after a short wait one probe call goes through, and its outcome closes
 * the breaker or keeps it open. The wait starts short, so a dependency that comes back is used
 * again within a fraction of a second, and doubles each time the breaker opens again in a row, so
 * a service that stays down is probed less and less often.
 *
 * Written here rather than taken from a library so that it reads the time from an injected clock
 * (`now`): its tests move a manual clock past the open wait instead of sleeping through it.
 */
import type { CallWrapper } from "../client/middleware.js";
import { isMicroError, unavailable } from "../errors/index.js";
import type { Logger } from "../logger/index.js";
import type { Metrics } from "../metrics/index.js";

export interface BreakerOptions {
  /** Share of failed calls, strictly between 0 and 1, above which the breaker opens. @default DEFAULT_BREAKER_THRESHOLD */
  readonly threshold?: number;
  /** The window the share is measured over. @default DEFAULT_BREAKER_SAMPLING_MS */
  readonly samplingMs?: number;
  /** Below this many calls per second the breaker never opens: too few to judge. @default DEFAULT_BREAKER_MINIMUM_RPS */
  readonly minimumRps?: number;
  /** How long an open breaker first waits before letting one probe call through. @default 250 */
  readonly halfOpenAfterMs?: number;
  /** The longest wait, reached by doubling each time the breaker opens again in a row. @default 5000 */
  readonly maxHalfOpenAfterMs?: number;
  readonly metrics?: Metrics;
  readonly logger?: Logger;
  /** The clock, epoch ms; tests pass a manual one. @default Date.now */
  readonly now?: () => number;
}

export type BreakerState = "closed" | "open" | "half-open";

/** Gauge values: the breaker-state metric's documented encoding. */
const STATE_VALUE: Record<BreakerState, number> = { closed: 0, "half-open": 1, open: 2 };

/** What an open breaker throws at once; the 503 the caller sees carries it as its cause. */
export class CircuitOpenError extends Error {
  constructor(readonly service: string) {
    super(`the circuit for ${service} is open`);
    this.name = "CircuitOpenError";
  }
}

/**
 * Only the callee's trouble counts: its 5xx answers, timeouts and broken connections. A 4xx is the
 * caller's mistake, and a local error (no node, a refused connection, a request that cannot be
 * encoded, this breaker's own "circuit open") never reached the callee: neither says anything of
 * its health. Such an error is recorded neither as success nor as failure; one that ends a
 * half-open probe closes the breaker (the probe saw no failure of the callee), but the sampling
 * window still holds the failures that opened it, so a 5xx soon after opens it again.
 */
function isServiceFailure(error: unknown): boolean {
  if (!isMicroError(error)) return true;
  return !error.local && error.code >= 500;
}

export const DEFAULT_BREAKER_THRESHOLD = 0.5;
export const DEFAULT_BREAKER_SAMPLING_MS = 10_000;
export const DEFAULT_BREAKER_MINIMUM_RPS = 5;
export const DEFAULT_HALF_OPEN_AFTER_MS = 250;
export const DEFAULT_MAX_HALF_OPEN_AFTER_MS = 5000;

export function circuitBreakers(options: BreakerOptions = {}): CallWrapper {
  const breakers = new Map<string, Breaker>();
  const breakerFor = (service: string): Breaker => {
    let breaker = breakers.get(service);
    if (!breaker) {
      breaker = newBreaker(service, options);
      breakers.set(service, breaker);
    }
    return breaker;
  };
  return (next) => async (call) => {
    try {
      return await breakerFor(call.service).execute(() => next(call));
    } catch (error) {
      if (error instanceof CircuitOpenError) {
        throw unavailable(call.service, `service ${call.service} is failing; circuit open`, { cause: error, local: true, reason: "circuit_open" });
      }
      throw error;
    }
  };
}

function newBreaker(service: string, options: BreakerOptions): Breaker {
  options.metrics?.breakerState.set({ service }, 0);
  return new Breaker(service, {
    window: new SamplingWindow(
      options.threshold ?? DEFAULT_BREAKER_THRESHOLD,
      options.samplingMs ?? DEFAULT_BREAKER_SAMPLING_MS,
      options.minimumRps ?? DEFAULT_BREAKER_MINIMUM_RPS,
    ),
    firstWaitMs: options.halfOpenAfterMs ?? DEFAULT_HALF_OPEN_AFTER_MS,
    maxWaitMs: options.maxHalfOpenAfterMs ?? DEFAULT_MAX_HALF_OPEN_AFTER_MS,
    now: options.now ?? Date.now,
    onChange: (state) => {
      options.metrics?.breakerState.set({ service }, STATE_VALUE[state]);
      options.logger?.warn({ service, state }, `circuit for ${service} is ${state}`);
    },
  });
}

type State =
  | { readonly value: "closed" }
  /** `openings`: how many times in a row it opened, which sets the wait: first, twice that, and so on. */
  | { readonly value: "open"; readonly since: number; readonly waitMs: number; readonly openings: number }
  | { readonly value: "half-open"; readonly probe: Promise<unknown>; readonly openings: number };

interface BreakerParts {
  readonly window: SamplingWindow;
  readonly firstWaitMs: number;
  readonly maxWaitMs: number;
  readonly now: () => number;
  readonly onChange: (state: BreakerState) => void;
}

/** One service's breaker: closed, open until its wait is over, then half-open for one probe. */
export class Breaker {
  #state: State = { value: "closed" };

  constructor(
    readonly service: string,
    private readonly parts: BreakerParts,
  ) {}

  get state(): BreakerState {
    return this.#state.value;
  }

  async execute<T>(run: () => Promise<T>): Promise<T> {
    const state = this.#state;
    switch (state.value) {
      case "closed": {
        let result: T;
        try {
          result = await run();
        } catch (error) {
          if (isServiceFailure(error) && this.parts.window.failure(this.parts.now())) this.open();
          throw error;
        }
        this.parts.window.success(this.parts.now());
        return result;
      }
      case "half-open":
        // Calls that arrive during the probe wait for its outcome, then go by the state it left.
        await state.probe.catch(() => undefined);
        return this.execute(run);
      case "open": {
        if (this.parts.now() - state.since < state.waitMs) throw new CircuitOpenError(this.service);
        const probe = this.probe(run);
        this.#state = { value: "half-open", probe, openings: state.openings };
        this.parts.onChange("half-open");
        return probe;
      }
    }
  }

  private async probe<T>(run: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await run();
    } catch (error) {
      if (isServiceFailure(error)) {
        this.parts.window.record(this.parts.now(), false);
        this.open();
      } else {
        this.close();
      }
      throw error;
    }
    // The callee answered: what it did before it failed no longer describes it.
    this.parts.window.reset();
    this.parts.window.record(this.parts.now(), true);
    this.close();
    return result;
  }

  private open(): void {
    const state = this.#state;
    if (state.value === "open") return;
    const openings = state.value === "half-open" ? state.openings + 1 : 1;
    const waitMs = Math.min(this.parts.maxWaitMs, this.parts.firstWaitMs * 2 ** (openings - 1));
    this.#state = { value: "open", since: this.parts.now(), waitMs, openings };
    this.parts.onChange("open");
  }

  private close(): void {
    if (this.#state.value !== "half-open") return;
    this.#state = { value: "closed" };
    this.parts.onChange("closed");
  }
}

/**
 * The share of failures among the calls of the last `samplingMs`, counted in buckets of at most a
 * second (at least five of them): a bucket older than the window no longer counts, so failures
 * long past cannot open the breaker together with a few new ones.
 */
export class SamplingWindow {
  readonly #buckets: Array<{ index: number; failures: number; successes: number }>;
  readonly #bucketMs: number;
  /** Fewer calls than this in the window are too few to judge. */
  readonly #minimumCalls: number;

  constructor(
    private readonly threshold: number,
    samplingMs: number,
    minimumRps: number,
  ) {
    if (!(threshold > 0 && threshold < 1)) throw new RangeError(`breaker threshold must be between 0 and 1 exclusive, got ${threshold}`);
    const count = Math.max(5, Math.ceil(samplingMs / 1000));
    this.#bucketMs = Math.max(1, Math.round(samplingMs / count));
    this.#buckets = Array.from({ length: count }, () => ({ index: Number.NEGATIVE_INFINITY, failures: 0, successes: 0 }));
    // Without a minimum rate, at least five failures a second must be possible at the threshold.
    const minimumRpms = minimumRps > 0 ? minimumRps / 1000 : 5 / (threshold * 1000);
    this.#minimumCalls = this.#bucketMs * count * minimumRpms;
  }

  success(at: number): void {
    this.record(at, true);
  }

  /** Records a failure; true when the window now holds enough calls and too large a share failed. */
  failure(at: number): boolean {
    this.record(at, false);
    let failures = 0;
    let total = 0;
    const oldest = this.#indexAt(at) - this.#buckets.length;
    for (const bucket of this.#buckets) {
      if (bucket.index <= oldest) continue;
      failures += bucket.failures;
      total += bucket.failures + bucket.successes;
    }
    return total >= this.#minimumCalls && failures > this.threshold * total;
  }

  record(at: number, success: boolean): void {
    const index = this.#indexAt(at);
    const bucket = this.#buckets[((index % this.#buckets.length) + this.#buckets.length) % this.#buckets.length]!;
    if (bucket.index !== index) Object.assign(bucket, { index, failures: 0, successes: 0 });
    if (success) bucket.successes++;
    else bucket.failures++;
  }

  reset(): void {
    for (const bucket of this.#buckets) Object.assign(bucket, { index: Number.NEGATIVE_INFINITY, failures: 0, successes: 0 });
  }

  #indexAt(at: number): number {
    return Math.floor(at / this.#bucketMs);
  }
}
