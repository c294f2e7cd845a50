/**
 * The NATS request/reply transport (`MICRO_TRANSPORT=nats`): calls travel through the NATS server
 * instead of a socket per node, so nodes need no reachable address, only the same NATS.
 * A node listens on a subject of its own (`micro.rpc.<random>`) and advertises that subject as its
 * address; there is no queue group, since the caller's selector has already chosen the node.
 * The connection is the process's shared one for `servers` (nats/connection.ts).
 */
import { randomUUID } from "node:crypto";
import { type NatsSecurity, acquireNatsConnection } from "../connection.js";
import type { Listener, Transport, TransportClient, TransportHandler } from "../../transport/index.js";
import { NatsTransportClient } from "./client.js";
import { listenNats } from "./server.js";

export interface NatsTransportOptions extends NatsSecurity {
  /** `nats://host:4222` (`tls://` requires TLS); several comma-separated for a cluster. */
  readonly servers: string;
}

/** Where nodes listen: one subject each under this prefix. */
export const NODE_SUBJECT_PREFIX = "micro.rpc";

export class NatsTransport implements Transport {
  readonly name = "nats";
  private readonly servers: string;
  private readonly security: NatsSecurity;

  constructor(options: NatsTransportOptions) {
    if (typeof options?.servers !== "string" || options.servers.trim() === "") {
      throw new Error("nats transport: options.servers must be a NATS URL such as nats://127.0.0.1:4222");
    }
    this.servers = options.servers;
    this.security = { auth: options.auth, tls: options.tls };
  }

  client(): TransportClient {
    return new NatsTransportClient(this.servers, this.security);
  }

  /**
   * `address` is ignored: host and port mean nothing here. The subject listened on is
   * `Listener.address`. Rejects with NatsUnavailableError when NATS cannot be reached at all, and
   * with NatsRefusedError when it refuses the credential or TLS.
   */
  async listen(_address: string, handler: TransportHandler): Promise<Listener> {
    const connection = await acquireNatsConnection({ ...this.security, servers: this.servers });
    const subject = `${NODE_SUBJECT_PREFIX}.${randomUUID().replaceAll("-", "")}`;
    return listenNats(connection, subject, handler);
  }
}
