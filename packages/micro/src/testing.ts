/**
 * Helpers for tests that call a service's handler directly, as its `Server` would but without a
 * transport, and check the wire errors it throws. For the services' tests; programs import only
 * the package root, which does not re-export this module.
 */
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import type { Endpoint } from "./contract/index.js";
import { MicroError, type Reason } from "./errors/index.js";
import type { CallContext } from "./metadata/index.js";

/** The time a handler called with `handlerContext` has, like a caller's timeout; ample for a test. */
const TEST_DEADLINE_MS = 5_000;

/** The context a `Server` hands the handler of `endpoint` (`UsersService.Get`) in `service`. */
export function handlerContext(service: string, endpoint: string): CallContext {
  return {
    service,
    endpoint,
    metadata: {},
    deadline: Date.now() + TEST_DEADLINE_MS,
    signal: new AbortController().signal,
  };
}

/**
 * Asserts a MicroError from service `id` with this code and reason: the reason, not the
 * sentence, says which error it is. `detail`, when given, checks what the sentence must also
 * say (the field it names, the value as the caller spelt it).
 */
export async function rejectsWithMicroError(call: Promise<unknown>, id: string, code: number, reason: Reason, detail?: RegExp): Promise<void> {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof MicroError, `expected a MicroError, got ${String(error)}`);
    assert.deepEqual({ id: error.id, code: error.code, reason: error.reason }, { id, code, reason }, `for ${JSON.stringify(error)}`);
    if (detail !== undefined) assert.match(error.detail, detail);
    return true;
  });
}

/** `context` and `rejectsWith` bound to one service and its handler (`"users"`, `"UsersService"`). */
export interface HandlerTesting {
  /** The context the server gives `<handler>.<endpoint>`. */
  context(endpoint: string): CallContext;
  /** Asserts a wire error from this service with this code and reason (see rejectsWithMicroError). */
  rejectsWith(call: Promise<unknown>, code: number, reason: Reason, detail?: RegExp): Promise<void>;
}

/** For one service's tests: `const { context, rejectsWith } = handlerTesting("users", "UsersService")`. */
export function handlerTesting(service: string, handler: string): HandlerTesting {
  return {
    context: (endpoint) => handlerContext(service, `${handler}.${endpoint}`),
    rejectsWith: (call, code, reason, detail) => rejectsWithMicroError(call, service, code, reason, detail),
  };
}

/**
 * For tests that need a server (PostgreSQL, NATS, Redis): true when it is reachable. Otherwise,
 * with `CI=true` the test fails (CI must not pass by skipping), else it is marked skipped with the
 * reason and the test should return.
 */
export function requireOrSkip(t: Pick<TestContext, "skip">, available: boolean, reason: string): boolean {
  if (available) return true;
  if (process.env.CI === "true") throw new Error(`${reason}; it is required when CI=true`);
  t.skip(reason);
  return false;
}

/** A server URL without its password, fit for a skip message or a CI log; `variable` names where it came from. */
export function redactedUrl(url: string, variable: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return `${variable} (unparseable)`;
  }
}

/** An endpoint with nothing but its name, for registrations in tests that look only at nodes. */
export function endpointNamed(name: string): Endpoint {
  return { name, request: { type: "object" }, response: { type: "object" }, metadata: {} };
}

/**
 * A clock a test moves by hand, for code that takes `now: () => number` (breakers, caches,
 * outlier detection): time passes only when the test says so, so a test of "after 300 ms" neither
 * waits 300 ms nor fails on a slow machine. `now` is bound, so `{ now: clock.now }` works.
 * Timers set on it fire, in time order, during `advance`.
 */
export class ManualClock {
  #at: number;
  #timers: Array<{ readonly id: number; readonly at: number; readonly run: () => void }> = [];
  #nextId = 1;

  /** Starts at `start` epoch ms; by default the real time, so dates made from it look like dates. */
  constructor(start = Date.now()) {
    this.#at = start;
  }

  readonly now = (): number => this.#at;

  /** Moves the time on by `ms`, running each timer due on the way at its own time. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance: ms must be 0 or more, got ${ms}`);
    const end = this.#at + ms;
    for (;;) {
      const due = this.#timers.filter((timer) => timer.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((timer) => timer !== due);
      this.#at = Math.max(this.#at, due.at);
      due.run();
    }
    this.#at = end;
  }

  /** Runs `run` once the clock has been advanced by `ms`; returns an id for `clearTimeout`. */
  setTimeout(run: () => void, ms: number): number {
    const id = this.#nextId++;
    this.#timers.push({ id, at: this.#at + Math.max(0, ms), run });
    return id;
  }

  clearTimeout(id: number): void {
    this.#timers = this.#timers.filter((timer) => timer.id !== id);
  }

  /** Timers set and not yet fired or cleared. */
  get pendingTimers(): number {
    return this.#timers.length;
  }
}

export interface WaitForOptions {
  /** How long to keep trying before failing. @default 5000 */
  readonly timeoutMs?: number;
  /** The pause between tries. @default 10 */
  readonly intervalMs?: number;
  /** What was awaited, for the failure's message. */
  readonly what?: string;
}

/**
 * Polls `condition` until it returns a truthy value (resolved with it) or `timeoutMs` passes
 * (rejected, naming `what` and the last error `condition` threw, if any). For a test waiting on
 * something that happens on its own (a timer, another process, a watch): it waits as long as that
 * takes and no longer, where a fixed sleep is either too long or, on a loaded machine, too short.
 */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitForOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const intervalMs = options.intervalMs ?? 10;
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() >= deadline) {
      const because = lastError === undefined ? "" : `; last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
      throw new Error(`waitFor: ${options.what ?? "the condition"} not met within ${timeoutMs} ms${because}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
