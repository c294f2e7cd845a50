/**
 * Metadata and the call context: what travels with every call besides its body.
 * Keys are lower-case header-like names; values are strings, as in go-micro's metadata.
 */
import type { Account } from "../auth/index.js";

export type Metadata = Readonly<Record<string, string>>;

/** Well-known metadata keys. */
export const REQUEST_ID = "request-id";
export const TRACEPARENT = "traceparent";

/**
 * What a handler receives beside its request, and what a nested call takes as its parent:
 * which endpoint was called, the incoming metadata and the absolute deadline (epoch
 * milliseconds) of the whole call.
 */
export interface CallContext {
  /** The service called, e.g. `users`. */
  readonly service: string;
  /** The endpoint called, e.g. `UsersService.Get`. */
  readonly endpoint: string;
  readonly metadata: Metadata;
  /** Epoch milliseconds after which the caller no longer waits. */
  readonly deadline: number;
  /** Aborts when the deadline passes or the call is cancelled. */
  readonly signal: AbortSignal;
  /**
   * Who the call acts for, as its verified credential says; undefined when auth is off. Nested
   * calls made with this context act for the same account.
   */
  readonly account?: Account | undefined;
}

export function remainingMs(context: CallContext, now = Date.now()): number {
  return context.deadline - now;
}

export function requestIdOf(metadata: Metadata): string | undefined {
  return metadata[REQUEST_ID];
}

const KEY = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Metadata keys become header names on some transports, so they are held to token characters. */
export function isValidMetadataKey(key: string): boolean {
  return KEY.test(key);
}
