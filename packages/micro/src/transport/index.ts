/**
 * The transport moves one request to a node and its response back. It knows nothing of
 * handlers or selectors: the client picks the node, the server dispatches what arrives.
 */
import type { Metadata } from "../metadata/index.js";

export interface TransportRequest {
  readonly service: string;
  readonly endpoint: string;
  readonly metadata: Metadata;
  /** What remains of the caller's deadline; the callee sets its own deadline from it. */
  readonly timeoutMs: number;
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
   * Sends `request` to `address`. Throws `ConnectionError` when it could not be delivered,
   * `ConnectionLostError` when the connection broke after sending, and rejects with the
   * signal's reason when `signal` aborts first.
   */
  request(address: string, request: TransportRequest, signal: AbortSignal): Promise<TransportResponse>;
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
