/**
 * The transport moves one request to a node and its response back. It knows nothing of
 * handlers or selectors: the client picks the node, the server dispatches what arrives.
 */
import type { Metadata } from "../metadata/index.js";

/**
 * The largest request or response body any transport carries: what a broken or hostile peer can
 * make a node buffer. One figure for every transport, so a call that fits one fits all.
 */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export interface TransportRequest {
  readonly service: string;
  readonly endpoint: string;
  readonly metadata: Metadata;
  /**
   * Epoch milliseconds after which the caller no longer waits for the answer. It travels as this
   * absolute time, not as a remaining duration: a request that sat in a frozen node's socket buffer
   * must not start afresh with its whole budget once the node resumes, long after its caller gave
   * up. Callee and caller read the same figure, which assumes their clocks agree to well within a
   * deadline (NTP does this; the registry's expiry times assume it already).
   */
  readonly deadline: number;
  readonly body: Uint8Array;
}

export interface TransportResponse {
  /** False when `body` is an encoded wire error. */
  readonly ok: boolean;
  /** The HTTP-style status of the error when `ok` is false. */
  readonly code?: number;
  readonly body: Uint8Array;
}

export type TransportHandler = (request: TransportRequest) => Promise<TransportResponse>;

export interface TransportClient {
  /**
   * Sends `request` to `address` and waits for the answer until `request.deadline`. Rejects
   * with `ConnectionError` when it could not be delivered, `ConnectionLostError` when the
   * connection broke after sending, and `CallTimeoutError` when no answer came in time; an
   * answer that comes later is dropped.
   * The deadline is a number, not an AbortSignal: on Node 20 a controller and a listener on its
   * signal cost about 3 µs each, ten times a setTimeout and clearTimeout, on every call.
   */
  request(address: string, request: TransportRequest): Promise<TransportResponse>;
  close(): Promise<void>;
}

export interface Listener {
  /** The address to advertise: `host:port` for socket transports. */
  readonly address: string;
  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then closes. */
  close(graceMs: number): Promise<void>;
}

export interface Transport {
  /** `http`, `nats`, … recorded in node metadata so callers dial the same way. */
  readonly name: string;
  client(): TransportClient;
  /** Starts serving on `address` (`host:port`, port 0 picks a free one). */
  listen(address: string, handler: TransportHandler): Promise<Listener>;
}

/** The request never reached the node: safe to retry on another one. */
export class ConnectionError extends Error {
  constructor(
    readonly address: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot connect to ${address}`, options);
    this.name = "ConnectionError";
  }
}

/** The connection broke after the request was sent: only an idempotent call may be retried. */
export class ConnectionLostError extends Error {
  constructor(
    readonly address: string,
    options?: { cause?: unknown },
  ) {
    super(`connection to ${address} lost`, options);
    this.name = "ConnectionLostError";
  }
}

/** No answer came before the call's deadline, `timeoutMs` after it was sent: the node may still be working on it. */
export class CallTimeoutError extends Error {
  constructor(
    readonly address: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`no answer from ${address} within ${timeoutMs} ms`, options);
    this.name = "CallTimeoutError";
  }
}
