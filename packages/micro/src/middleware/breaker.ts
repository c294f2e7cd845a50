/**
 * Circuit breakers per downstream service, on cockatiel: when too large a share of recent calls
 * to a service fail with a 5xx, the breaker opens and further calls fail at once with a 503
 * instead of waiting on a service that is down; after a short wait one probe call goes through,
 * and its outcome closes the breaker or keeps it open. The wait starts short, so a dependency that
 * comes back is used again within a fraction of a second, and doubles each time the breaker opens
 * again in a row, so a service that stays down is probed less and less often.
 */
import { BrokenCircuitError, CircuitState, DelegateBackoff, SamplingBreaker, circuitBreaker, handleWhen } from "cockatiel";
import type { CircuitBreakerPolicy, IHalfOpenAfterBackoffContext } from "cockatiel";
import type { CallWrapper } from "../client/middleware.js";
import { isMicroError, unavailable } from "../errors/index.js";
import type { Logger } from "../logger/index.js";
import type { Metrics } from "../metrics/index.js";

export interface BreakerOptions {
  /** Share of failed calls, 0 to 1, that opens the breaker. @default DEFAULT_BREAKER_THRESHOLD */
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
}

/** Gauge values: the breaker-state metric's documented encoding. */
const STATE_VALUE: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.HalfOpen]: 1,
  [CircuitState.Open]: 2,
  [CircuitState.Isolated]: 2,
};

/**
 * Only the callee's trouble counts: its 5xx answers, timeouts and broken connections. A 4xx is the
 * caller's mistake, and a local error (no node, a refused connection, a request that cannot be
 * encoded, this breaker's own "circuit open") never reached the callee: neither says anything of
 * its health. cockatiel records such an error neither as success nor as failure; one that ends a
 * half-open probe closes the breaker (the probe saw no failure of the callee), but the sampling
 * window still holds the failures that opened it, so a 5xx soon after opens it again.
 */
function isServiceFailure(error: Error): boolean {
  if (!isMicroError(error)) return true;
  return !error.local && error.code >= 500;
}

export const DEFAULT_BREAKER_THRESHOLD = 0.5;
export const DEFAULT_BREAKER_SAMPLING_MS = 10_000;
export const DEFAULT_BREAKER_MINIMUM_RPS = 5;
export const DEFAULT_HALF_OPEN_AFTER_MS = 250;
export const DEFAULT_MAX_HALF_OPEN_AFTER_MS = 5000;

export function circuitBreakers(options: BreakerOptions = {}): CallWrapper {
  const breakers = new Map<string, CircuitBreakerPolicy>();
  const breakerFor = (service: string): CircuitBreakerPolicy => {
    let policy = breakers.get(service);
    if (!policy) {
      policy = newBreaker(service, options);
      breakers.set(service, policy);
    }
    return policy;
  };
  return (next) => async (call) => {
    try {
      return await breakerFor(call.service).execute(() => next(call));
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        throw unavailable(call.service, `service ${call.service} is failing; circuit open`, { cause: error, local: true, reason: "circuit_open" });
      }
      throw error;
    }
  };
}

function newBreaker(service: string, options: BreakerOptions): CircuitBreakerPolicy {
  const policy = circuitBreaker(handleWhen(isServiceFailure), {
    halfOpenAfter: doubling(options.halfOpenAfterMs ?? DEFAULT_HALF_OPEN_AFTER_MS, options.maxHalfOpenAfterMs ?? DEFAULT_MAX_HALF_OPEN_AFTER_MS),
    breaker: new SamplingBreaker({
      threshold: options.threshold ?? DEFAULT_BREAKER_THRESHOLD,
      duration: options.samplingMs ?? DEFAULT_BREAKER_SAMPLING_MS,
      minimumRps: options.minimumRps ?? DEFAULT_BREAKER_MINIMUM_RPS,
    }),
  });
  options.metrics?.breakerState.set({ service }, 0);
  policy.onStateChange((state) => {
    options.metrics?.breakerState.set({ service }, STATE_VALUE[state]);
    options.logger?.warn({ service, state: CircuitState[state] }, `circuit for ${service} is ${CircuitState[state].toLowerCase()}`);
  });
  return policy;
}

/** `firstMs` for the first opening in a row, twice that for the next, up to `maxMs`. */
function doubling(firstMs: number, maxMs: number): DelegateBackoff<IHalfOpenAfterBackoffContext> {
  return new DelegateBackoff((context: IHalfOpenAfterBackoffContext) => Math.min(maxMs, firstMs * 2 ** Math.max(0, context.attempt - 1)));
}
