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
