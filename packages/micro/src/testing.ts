/**
 * Helpers for tests that call a service's handler directly, as its `Server` would but without a
 * transport, and check the wire errors it throws. For the services' tests; programs import only
 * the package root, which does not re-export this module.
 */
import assert from "node:assert/strict";
import type { HandlerContext } from "./contract/index.js";
import { MicroError } from "./errors/index.js";

/** The time a handler called with `handlerContext` has, like a caller's timeout; ample for a test. */
const TEST_DEADLINE_MS = 5_000;

/** The context a `Server` hands the handler of `endpoint` (`UsersService.Get`) in `service`. */
export function handlerContext(service: string, endpoint: string): HandlerContext {
  return {
    service,
    endpoint,
    metadata: {},
    deadline: Date.now() + TEST_DEADLINE_MS,
    signal: new AbortController().signal,
  };
}

/** Asserts a MicroError from service `id` with this code, and a detail matching `detail`. */
export async function rejectsWithMicroError(call: Promise<unknown>, id: string, code: number, detail: RegExp): Promise<void> {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof MicroError, `expected a MicroError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.id, id);
    assert.match(error.detail, detail);
    return true;
  });
}

/** `context` and `rejectsWith` bound to one service and its handler (`"users"`, `"UsersService"`). */
export interface HandlerTesting {
  /** The context the server gives `<handler>.<endpoint>`. */
  context(endpoint: string): HandlerContext;
  /** Asserts a wire error from this service with this code and a detail matching `detail`. */
  rejectsWith(call: Promise<unknown>, code: number, detail: RegExp): Promise<void>;
}

/** For one service's tests: `const { context, rejectsWith } = handlerTesting("users", "UsersService")`. */
export function handlerTesting(service: string, handler: string): HandlerTesting {
  return {
    context: (endpoint) => handlerContext(service, `${handler}.${endpoint}`),
    rejectsWith: (call, code, detail) => rejectsWithMicroError(call, service, code, detail),
  };
}
