/**
 * The NATS transport client: request/reply to the node's own subject over the process's shared
 * connection. What a caller must be able to tell apart, and NATS alone does not say:
 * - nobody subscribed ("no responders"), or NATS away when the call starts: ConnectionError, the
 *   call never reached a node and may go to another;
 * - the connection dropping mid-call: ConnectionLostError at once (nats.js would leave the request
 *   to time out), as is a reply that never comes, since a node killed mid-call sends nothing;
 * - the caller's signal: rejects with its reason, and it decides the deadline: the NATS timeout
 *   is what remains of the call's time plus a margin, only a backstop.
 */
import { ClosedConnectionError, DrainingConnectionError, RequestError, TimeoutError } from "@nats-io/transport-node";
import { type SharedNatsConnection, acquireNatsConnection } from "../../nats/connection.js";
import {
  ConnectionError,
  ConnectionLostError,
  type TransportClient,
  type TransportRequest,
  type TransportResponse,
} from "../index.js";
import { exchange } from "./exchange.js";

/** How long past the call's own deadline the NATS timeout waits, so that the signal fires first. */
export const TIMEOUT_MARGIN_MS = 250;
/** A subject to request: tokens without spaces or wildcards. */
const SUBJECT = /^[^\s.*>]+(?:\.[^\s.*>]+)*$/;

export class NatsTransportClient implements TransportClient {
  private connection: Promise<SharedNatsConnection> | undefined;
  private closed = false;

  constructor(private readonly servers: string) {}

  async request(address: string, request: TransportRequest, signal: AbortSignal): Promise<TransportResponse> {
    signal.throwIfAborted();
    const connection = await this.connect(address);
    if (!SUBJECT.test(address)) throw new ConnectionError(address, { cause: new Error("not a NATS subject") });
    if (!connection.isConnected()) throw new ConnectionError(address, { cause: new Error("NATS is disconnected") });
    const deadline = Date.now() + Math.max(1, request.timeoutMs) + TIMEOUT_MARGIN_MS;
    const work = exchange({ nc: connection.nc, subject: address, deadline, signal }, request);
    return settle(address, signal, connection, work);
  }

  async close(): Promise<void> {
    this.closed = true;
    const connection = await this.connection?.catch(() => undefined);
    this.connection = undefined;
    await connection?.release();
  }

  /** The shared connection, taken on first use and retried after a failed connect. */
  private async connect(address: string): Promise<SharedNatsConnection> {
    if (this.closed) throw new ConnectionError(address, { cause: new Error("nats transport client closed") });
    this.connection ??= acquireNatsConnection({ servers: this.servers });
    try {
      return await this.connection;
    } catch (error) {
      this.connection = undefined;
      throw new ConnectionError(address, { cause: error });
    }
  }
}

/** Whichever comes first: the reply, the caller's abort, or a disconnect. */
function settle<T>(address: string, signal: AbortSignal, connection: SharedNatsConnection, work: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stopWatching = connection.onDisconnect(() => {
      done();
      reject(new ConnectionLostError(address, { cause: new Error("NATS connection lost mid-call") }));
    });
    const onAbort = (): void => {
      done();
      reject(signal.reason);
    };
    const done = (): void => {
      stopWatching();
      signal.removeEventListener("abort", onAbort);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        done();
        resolve(value);
      },
      (error: unknown) => {
        done();
        reject(classify(error, address, signal));
      },
    );
  });
}

function classify(error: unknown, address: string, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  if (error instanceof ConnectionError || error instanceof ConnectionLostError) return error;
  if (error instanceof RequestError && error.isNoResponders()) return new ConnectionError(address, { cause: error });
  if (error instanceof TimeoutError || (error instanceof RequestError && error.cause instanceof TimeoutError)) {
    return new ConnectionLostError(address, { cause: error });
  }
  // Refused before anything was written.
  if (error instanceof ClosedConnectionError || error instanceof DrainingConnectionError) {
    return new ConnectionError(address, { cause: error });
  }
  return error;
}
