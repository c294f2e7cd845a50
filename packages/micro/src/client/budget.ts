/**
 * A retry budget per service, as Finagle and Envoy keep one: retries may add at most `ratio` of
 * the calls of the last second or so, plus a small floor for quiet services. When a service is
 * sick, every call fails and would be retried; the budget keeps that from doubling the load on it.
 * Only retries of requests that reached a node are charged: one whose connection was refused cost
 * the service nothing, and is always worth sending to another node.
 */

export interface RetryBudgetOptions {
  /** Retries allowed per call made. @default 0.2 */
  readonly ratio?: number;
  /** Retries allowed per second whatever the traffic. @default 10 */
  readonly minPerSecond?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

export const DEFAULT_RETRY_RATIO = 0.2;
export const DEFAULT_MIN_RETRIES_PER_SECOND = 10;

interface Window {
  second: number;
  calls: number;
  retries: number;
  previousCalls: number;
  previousRetries: number;
}

export class RetryBudget {
  private readonly windows = new Map<string, Window>();
  private readonly ratio: number;
  private readonly minPerSecond: number;
  private readonly now: () => number;

  constructor(options: RetryBudgetOptions = {}) {
    this.ratio = options.ratio ?? DEFAULT_RETRY_RATIO;
    this.minPerSecond = options.minPerSecond ?? DEFAULT_MIN_RETRIES_PER_SECOND;
    this.now = options.now ?? Date.now;
  }

  /** Counts a call to `service`, which earns it `ratio` of a retry. */
  called(service: string): void {
    this.window(service).calls++;
  }

  /** Takes one retry from `service`'s budget; false when it is spent. */
  retry(service: string): boolean {
    const w = this.window(service);
    const allowed = Math.max(this.minPerSecond, this.ratio * (w.calls + w.previousCalls));
    if (w.retries + w.previousRetries >= allowed) return false;
    w.retries++;
    return true;
  }

  private window(service: string): Window {
    const second = Math.floor(this.now() / 1000);
    let w = this.windows.get(service);
    if (w === undefined) {
      w = { second, calls: 0, retries: 0, previousCalls: 0, previousRetries: 0 };
      this.windows.set(service, w);
    } else if (w.second !== second) {
      const adjacent = w.second === second - 1;
      w.previousCalls = adjacent ? w.calls : 0;
      w.previousRetries = adjacent ? w.retries : 0;
      w.calls = 0;
      w.retries = 0;
      w.second = second;
    }
    return w;
  }
}
