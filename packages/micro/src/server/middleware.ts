/**
 * Server middleware: `(next) => dispatch` wrappers around every call, outermost first,
 * for logging, metrics, tracing and auth checks.
 */
import type { Account } from "../auth/index.js";
import type { CallContext, Metadata } from "../metadata/index.js";

/** One call as it passes through the wrappers. */
export interface ServerCall extends CallContext {
  /** Writable for middleware: tracing puts its span's `traceparent` here for the handler. */
  metadata: Metadata;
  /** The encoded request body. */
  readonly body: Uint8Array;
  /** The decoded, validated request, set once validation passed. */
  request: unknown;
  /** Set by the auth middleware once the call's credential verified. */
  account: Account | undefined;
}

export type Dispatch = (call: ServerCall) => Promise<unknown>;

export type HandlerWrapper = (next: Dispatch) => Dispatch;
