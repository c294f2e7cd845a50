/**
 * The TCP transport (`MICRO_TRANSPORT=tcp`): length-prefixed binary frames (frame.ts) over a few
 * persistent connections per node, many calls in flight on each. Raw TCP framing measured several
 * times an undici HTTP/1.1 pool between two processes (docs/architecture.md, "Measured, to choose
 * with"); this is that, behind the
 * same Transport interface, so the client, server and conformance suite cannot tell it from HTTP.
 */
import type { Transport, TransportClient, TransportHandler } from "../index.js";
import { DEFAULT_CONNECTIONS_PER_NODE, DEFAULT_CONNECT_TIMEOUT_MS, type TcpClientOptions, TcpTransportClient } from "./client.js";
import { type TcpListener, listenTcp } from "./listener.js";

export type { TcpClientOptions as TcpTransportOptions } from "./client.js";
export type { TcpListener } from "./listener.js";

/** More connections than this to one node only add sockets: each already carries any number of calls. */
const MAX_CONNECTIONS_PER_NODE = 64;

export class TcpTransport implements Transport {
  readonly name = "tcp";
  private readonly options: Required<TcpClientOptions>;

  constructor(options: TcpClientOptions = {}) {
    this.options = parseOptions(options);
  }

  client(): TransportClient {
    return new TcpTransportClient(this.options);
  }

  listen(address: string, handler: TransportHandler): Promise<TcpListener> {
    return listenTcp(address, handler);
  }
}

/** Defaults filled in and checked once, so a bad option fails at construction, not at the first call. */
function parseOptions(options: TcpClientOptions): Required<TcpClientOptions> {
  const connectionsPerNode = options.connectionsPerNode ?? DEFAULT_CONNECTIONS_PER_NODE;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!Number.isInteger(connectionsPerNode) || connectionsPerNode < 1 || connectionsPerNode > MAX_CONNECTIONS_PER_NODE) {
    throw new Error(`tcp transport: connectionsPerNode must be an integer from 1 to ${MAX_CONNECTIONS_PER_NODE}, got ${connectionsPerNode}`);
  }
  if (!Number.isFinite(connectTimeoutMs) || connectTimeoutMs <= 0) {
    throw new Error(`tcp transport: connectTimeoutMs must be a positive number of milliseconds, got ${connectTimeoutMs}`);
  }
  return { connectionsPerNode, connectTimeoutMs };
}
