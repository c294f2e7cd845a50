/**
 * The NATS registry: discovery across machines through a JetStream KV bucket, go-micro's
 * `registry/nats` for the distributed setup (`MICRO_REGISTRY=nats`).
 *
 * Each node is one KV entry `<service>.<nodeId>` holding its NodeRecord with `expiresAt`; every
 * register re-puts it (the refresh). The TTL lives in the record because NATS 2.9 has no per-key
 * TTL: readers ignore expired records and delete them, and the bucket's max age is only a
 * backstop. Expiry is judged by each reader's clock against the writer's, so the machines' clocks
 * must agree to well within a TTL (NTP does). Errors from NATS become RegistryError with `cause`.
 */
import {
  type Registry,
  type RegisterOptions,
  type RegisteredService,
  type WatchEvent,
  type Watcher,
  RegistryError,
  checkName,
  checkRegistration,
  recordsOf,
  servicesOf,
} from "../../registry/index.js";
import type { NatsSecurity } from "../connection.js";
import { DEFAULT_NATS_REGISTRY_BUCKET } from "../options.js";
import { Watchers } from "../../registry/watchers.js";
import { checkBucket, deleteExpired, filterOf, keyOf, readRecords } from "./records.js";
import { type Bucket, KvStore } from "./store.js";
import { KvTail } from "./tail.js";

export interface NatsRegistryOptions extends NatsSecurity {
  /**
   * `nats://host:4222` (`tls://` requires TLS); the connection is shared with everything else in
   * this process using it with the same credential.
   */
  readonly servers: string;
  /** The KV bucket every node that should see each other shares. @default "micro_registry" */
  readonly bucket?: string;
  /**
   * The bucket's max age when this registry creates it: entries nobody refreshed or swept are
   * removed by the server after this long. Also the longest TTL a node may register with.
   * @default 300000
   */
  readonly maxAgeMs?: number;
  /** How long one registry operation waits for NATS. @default 2000 */
  readonly operationTimeoutMs?: number;
}

export { DEFAULT_NATS_REGISTRY_BUCKET } from "../options.js";
export const DEFAULT_NATS_REGISTRY_MAX_AGE_MS = 5 * 60_000;
export const DEFAULT_NATS_REGISTRY_OPERATION_TIMEOUT_MS = 2000;

export class NatsRegistry implements Registry {
  readonly name = "nats";
  private readonly store: KvStore;
  private readonly watchers = new Watchers();
  private readonly tail: KvTail;
  private readonly maxAgeMs: number;

  constructor(options: NatsRegistryOptions) {
    if (typeof options?.servers !== "string" || options.servers.trim() === "") {
      throw new Error("nats registry: options.servers must be a NATS URL such as nats://127.0.0.1:4222");
    }
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_NATS_REGISTRY_MAX_AGE_MS;
    this.store = new KvStore({
      servers: options.servers,
      security: { auth: options.auth, tls: options.tls },
      bucket: checkBucket(options.bucket ?? DEFAULT_NATS_REGISTRY_BUCKET),
      maxAgeMs: this.maxAgeMs,
      operationTimeoutMs: options.operationTimeoutMs ?? DEFAULT_NATS_REGISTRY_OPERATION_TIMEOUT_MS,
    });
    this.tail = new KvTail(() => this.store.open(), (event) => this.watchers.emit(event));
  }

  async register(service: RegisteredService, options: RegisterOptions): Promise<void> {
    checkRegistration(this.name, service);
    if (!Number.isFinite(options.ttlMs) || options.ttlMs <= 0 || options.ttlMs > this.maxAgeMs) {
      throw new Error(`nats registry: ttlMs must be a number of milliseconds from 1 to ${this.maxAgeMs}, got ${options.ttlMs}`);
    }
    // A watch being set up takes its baseline first, so that it reports this change.
    await this.tail.ready();
    const records = recordsOf(service, options.ttlMs);
    await this.guard(`register ${service.name}`, ({ kv }) =>
      Promise.all(records.map((record) => kv.put(keyOf(record.service, record.node.id), JSON.stringify(record)))),
    );
  }

  async deregister(service: RegisteredService): Promise<void> {
    checkRegistration(this.name, service);
    const keys = service.nodes.map((node) => keyOf(service.name, node.id));
    await this.tail.ready();
    await this.guard(`deregister ${service.name}`, ({ kv }) => Promise.all(keys.map((key) => kv.delete(key))));
  }

  async getService(name: string): Promise<RegisteredService[]> {
    return this.read(filterOf(name), `look up ${name}`);
  }

  async listServices(): Promise<RegisteredService[]> {
    return this.read(">", "list services");
  }

  watch(listener: (event: WatchEvent) => void, options?: { service?: string }): Watcher {
    if (options?.service !== undefined) checkName(this.name, "service name", options.service);
    return this.watchers.watchFrom(this.tail, listener, options?.service);
  }

  /** Connected, and the bucket answers. */
  async ping(): Promise<void> {
    await this.guard("reach its bucket", ({ kv }) => kv.status());
  }

  async close(): Promise<void> {
    this.tail.stop();
    this.watchers.clear();
    await this.store.close();
  }

  /** One clock reading for both steps: a node is either live and returned, or expired and deleted. */
  private async read(filter: string, what: string): Promise<RegisteredService[]> {
    const now = Date.now();
    return this.guard(what, async (bucket) => {
      const { live, expired } = await readRecords(bucket, filter, now);
      if (expired.length > 0) void deleteExpired(bucket, expired);
      return servicesOf(live.map((s) => ({ ...s.record, storedAt: s.storedAt })), now);
    });
  }

  private async guard<T>(what: string, operation: (bucket: Bucket) => Promise<T>): Promise<T> {
    const bucket = await this.store.open();
    try {
      return await operation(bucket);
    } catch (error) {
      this.store.reset();
      throw new RegistryError(`nats registry: cannot ${what}`, { cause: error });
    }
  }
}

/** Checks every name before touching NATS, so bad input changes nothing. */
