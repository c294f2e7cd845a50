/**
 * The NATS transport client: request/reply to the node's own subject over the process's shared
 * connection. What a caller must be able to tell apart, and NATS alone does not say:
 * - nobody subscribed ("no responders"), or NATS away when the call starts: ConnectionError, the
 *   call never reached a node and may go to another;
 * - the connection dropping mid-call: ConnectionLostError at once (nats.js would leave the request
 *   to time out);
 * - no reply within the call's timeoutMs: CallTimeoutError. The NATS request timeout is what
 *   remains of it, and it is also how a node killed mid-call shows, since such a node sends nothing.
 */
import { ClosedConnectionError, DrainingConnectionError, RequestError } from "@nats-io/transport-node";
import { type NatsSecurity, type SharedNatsConnection, acquireNatsConnection } from "../connection.js";
import {
  CallTimeoutError,
  ConnectionError,
  ConnectionLostError,
  type TransportClient,
  type TransportRequest,
  type TransportResponse,
} from "../../transport/index.js";
import { exchange, isTimeout } from "./exchange.js";

/** A subject to request: tokens without spaces or wildcards. */
const SUBJECT = /^[^\s.*>]+(?:\.[^\s.*>]+)*$/;

export class NatsTransportClient implements TransportClient {
  private connection: Promise<SharedNatsConnection> | undefined;
  private closed = false;

  constructor(
    private readonly servers: string,
    private readonly security: NatsSecurity = {},
  ) {}

  async request(address: string, request: TransportRequest): Promise<TransportResponse> {
    const deadline = request.deadline;
    const timeoutMs = Math.max(0, deadline - Date.now());
    const connection = await this.connect(address);
    if (!SUBJECT.test(address)) throw new ConnectionError(address, { cause: new Error("not a NATS subject") });
    if (!connection.isConnected()) throw new ConnectionError(address, { cause: new Error("NATS is disconnected") });
    const work = exchange({ nc: connection.nc, subject: address, deadline }, request);
    return settle(address, timeoutMs, connection, work);
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
    this.connection ??= acquireNatsConnection({ ...this.security, servers: this.servers });
    try {
      return await this.connection;
    } catch (error) {
      this.connection = undefined;
      throw new ConnectionError(address, { cause: error });
    }
  }
}

/** Whichever comes first: the reply (or the NATS timeout), or a disconnect. */
function settle<T>(address: string, timeoutMs: number, connection: SharedNatsConnection, work: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stopWatching = connection.onDisconnect(() => {
      stopWatching();
      reject(new ConnectionLostError(address, { cause: new Error("NATS connection lost mid-call") }));
    });
    work.then(
      (value) => {
        stopWatching();
        resolve(value);
      },
      (error: unknown) => {
        stopWatching();
        reject(classify(error, address, timeoutMs));
      },
    );
  });
}

function classify(error: unknown, address: string, timeoutMs: number): unknown {
  if (error instanceof ConnectionError || error instanceof ConnectionLostError) return error;
  if (error instanceof RequestError && error.isNoResponders()) return new ConnectionError(address, { cause: error });
  if (isTimeout(error)) return new CallTimeoutError(address, timeoutMs, { cause: error });
  // Refused before anything was written.
  if (error instanceof ClosedConnectionError || error instanceof DrainingConnectionError) {
    return new ConnectionError(address, { cause: error });
  }
  return error;
}
