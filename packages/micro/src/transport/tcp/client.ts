/**
 * The TCP transport client: a few persistent connections per node address, opened on first use
 * and replaced on the next call after one drops or is retired, each carrying many calls at once.
 * A call whose body or head is past the frame limits is answered here with the 413 the node would
 * send, instead of pushing megabytes down a connection other calls share only to be discarded.
 */
import { payloadTooLarge } from "../../errors/index.js";
import { splitHostPort } from "../address.js";
import { MAX_MESSAGE_BYTES, ConnectionError, type TransportClient, type TransportRequest, type TransportResponse } from "../index.js";
import { Connection } from "./connection.js";
import { HeadTooLargeError } from "./frame.js";

export interface TcpClientOptions {
  /**
   * Connections per node. One carries every call in flight; a second lets the kernel and the node
   * read two streams at once. @default 1
   */
  readonly connectionsPerNode?: number;
  /** Give up connecting after this long; a connect failure is retried on another node. @default 1000 */
  readonly connectTimeoutMs?: number;
}

export const DEFAULT_CONNECTIONS_PER_NODE = 1;
export const DEFAULT_CONNECT_TIMEOUT_MS = 1000;

/** The connections to one node; a slot is empty until used, and again once its connection retires. */
interface NodeConnections {
  readonly slots: Array<Connection | undefined>;
  next: number;
}

export class TcpTransportClient implements TransportClient {
  private readonly nodes = new Map<string, NodeConnections>();
  private readonly connectionsPerNode: number;
  private readonly connectTimeoutMs: number;
  private closed = false;

  constructor(options: TcpClientOptions = {}) {
    this.connectionsPerNode = options.connectionsPerNode ?? DEFAULT_CONNECTIONS_PER_NODE;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  }

  /** Not async: one promise per call, the connection's own, rather than a wrapper around it too. */
  request(address: string, request: TransportRequest): Promise<TransportResponse> {
    if (this.closed) return Promise.reject(new ConnectionError(address, { cause: new Error("tcp transport client closed") }));
    if (request.body.byteLength > MAX_MESSAGE_BYTES) return Promise.resolve(tooLarge(`RPC body exceeds ${MAX_MESSAGE_BYTES} bytes`));
    try {
      return this.connection(address).request(request);
    } catch (error) {
      if (error instanceof HeadTooLargeError) return Promise.resolve(tooLarge(error.message));
      return Promise.reject(error);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const node of this.nodes.values()) for (const connection of node.slots) connection?.destroy();
    this.nodes.clear();
  }

  /** The next slot's connection for `address`, opened when the slot is empty. */
  private connection(address: string): Connection {
    let node = this.nodes.get(address);
    if (!node) {
      node = { slots: new Array<Connection | undefined>(this.connectionsPerNode).fill(undefined), next: 0 };
      this.nodes.set(address, node);
    }
    const slot = node.next;
    node.next = (slot + 1) % node.slots.length;
    const existing = node.slots[slot];
    if (existing?.usable) return existing;
    const opened = this.open(address, node, slot);
    node.slots[slot] = opened;
    return opened;
  }

  private open(address: string, node: NodeConnections, slot: number): Connection {
    let host: string;
    let port: number;
    try {
      ({ host, port } = splitHostPort(address));
    } catch (error) {
      throw new ConnectionError(address, { cause: error });
    }
    return new Connection({ address, host, port, connectTimeoutMs: this.connectTimeoutMs }, (retired) => {
      if (node.slots[slot] === retired) node.slots[slot] = undefined;
    });
  }
}

function tooLarge(detail: string): TransportResponse {
  const wire = payloadTooLarge("transport", detail, { reason: "body_too_large" });
  return { ok: false, code: wire.code, body: Buffer.from(JSON.stringify(wire)) };
}
