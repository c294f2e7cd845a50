/**
 * The NATS registry's handle on its KV bucket: the shared connection, taken on first use, and the
 * bucket, created on first use with a max age as a garbage-collection backstop. Both are retried
 * on the next call after a failure, so a registry made while NATS was down starts working once it
 * is up, and a bucket deleted under us is recreated.
 *
 * While the connection is down every call rejects at once: nats.js would queue the request and
 * let it time out, and the caller's CachedRegistry serves its last known nodes meanwhile.
 */
import { type JetStreamManager, jetstream } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import { NatsRefusedError, type NatsSecurity, type SharedNatsConnection, acquireNatsConnection, redactServers } from "../connection.js";
import { RegistryError, RegistryRefusedError } from "../../registry/index.js";

export interface KvStoreOptions {
  readonly servers: string;
  /** The credential and TLS settings of the connection. */
  readonly security: NatsSecurity;
  readonly bucket: string;
  /** The bucket's max age, applied when this store creates it. */
  readonly maxAgeMs: number;
  /** How long one KV operation waits for NATS. */
  readonly operationTimeoutMs: number;
}

/** The bucket, and what listing its keys needs: the stream behind it, through the manager. */
export interface Bucket {
  readonly kv: KV;
  readonly jsm: JetStreamManager;
  /** `KV_<name>`. */
  readonly stream: string;
  /** `$KV.<name>.`, what a key's subject starts with. */
  readonly subjectPrefix: string;
}

export class KvStore {
  private connection: Promise<SharedNatsConnection> | undefined;
  private bucket: Promise<Bucket> | undefined;
  private closed = false;

  constructor(private readonly options: KvStoreOptions) {}

  /** The bucket, ready for one operation; rejects with RegistryError when NATS is not there. */
  async open(): Promise<Bucket> {
    if (this.closed) throw new RegistryError("nats registry: closed");
    const connection = await this.connect();
    if (!connection.isConnected()) {
      throw new RegistryError(`nats registry: disconnected from ${redactServers(this.options.servers)}, reconnecting`);
    }
    this.bucket ??= this.openBucket(connection);
    try {
      return await this.bucket;
    } catch (error) {
      this.bucket = undefined;
      throw new RegistryError(`nats registry: cannot open bucket ${this.options.bucket}`, { cause: error });
    }
  }

  /** Forgets the bucket after a failed operation: it may have been deleted, and is then recreated. */
  reset(): void {
    this.bucket = undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    const connection = await this.connection?.catch(() => undefined);
    this.connection = undefined;
    this.bucket = undefined;
    await connection?.release();
  }

  private async connect(): Promise<SharedNatsConnection> {
    this.connection ??= acquireNatsConnection({ ...this.options.security, servers: this.options.servers });
    let connection: SharedNatsConnection;
    try {
      connection = await this.connection;
    } catch (error) {
      this.connection = undefined;
      if (error instanceof NatsRefusedError) throw new RegistryRefusedError(`nats registry: ${error.message}`, { cause: error });
      throw new RegistryError(`nats registry: cannot connect to ${redactServers(this.options.servers)}`, { cause: error });
    }
    if (connection.nc.isClosed()) {
      // Closed for good (a fatal error, not a disconnect): the next call takes a fresh connection.
      this.connection = undefined;
      this.bucket = undefined;
      void connection.release();
      throw new RegistryError(`nats registry: connection to ${redactServers(this.options.servers)} closed`);
    }
    return connection;
  }

  private async openBucket(connection: SharedNatsConnection): Promise<Bucket> {
    const js = jetstream(connection.nc, { timeout: this.options.operationTimeoutMs });
    const name = this.options.bucket;
    // history 1: only the latest record per node matters. An existing bucket is used as it is.
    const kv = await new Kvm(js).create(name, { history: 1, ttl: this.options.maxAgeMs });
    return { kv, jsm: await js.jetstreamManager(), stream: `KV_${name}`, subjectPrefix: `$KV.${name}.` };
  }
}
