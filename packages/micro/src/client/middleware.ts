/**
 * Client middleware: `(next) => invoke` wrappers around every outgoing call, outermost first,
 * for logging, metrics, tracing and circuit breaking.
 */
import type { Account } from "../auth/index.js";
import type { Metadata } from "../metadata/index.js";

/** One outgoing call as it passes through the wrappers. */
export interface ClientCall {
  readonly service: string;
  readonly endpoint: string;
  readonly request: unknown;
  readonly metadata: Metadata;
  /** Epoch milliseconds. */
  readonly deadline: number;
  /** Further nodes that may be tried. */
  readonly retries: number;
  /** Declared idempotent by its contract: may be retried after a broken connection. */
  readonly idempotent: boolean;
  /** Answer with the response body as encoded (bytes), not decoded: for callers that forward it. */
  readonly encoded?: boolean;
  /** Who the call acts for; the auth middleware signs its credential for this account. */
  readonly account?: Pick<Account, "id" | "roles"> | undefined;
}

export type Invoke = (call: ClientCall) => Promise<unknown>;

export type CallWrapper = (next: Invoke) => Invoke;
