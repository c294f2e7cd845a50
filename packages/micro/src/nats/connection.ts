/**
 * One NATS connection per server URL per process, shared by every registry, transport and broker
 * that points at that URL: NATS multiplexes everything over one socket, and a connection per
 * component would multiply sockets, pings and reconnect storms for nothing.
 *
 * The connection reconnects forever, so a NATS restart never needs a program restart; users see
 * the gap through `isConnected()` and `onDisconnect`, and fail fast instead of queueing work that
 * nats.js would otherwise buffer until it times out. The last user to release it closes it.
 * A first connect that the server refuses (credential, TLS) fails with `NatsRefusedError` at once.
 */
import { type NatsConnection, connect } from "@nats-io/transport-node";
import { type NatsSecurity, NatsRefusedError, connectOptionsOf, identityOf, redactServers, refusalOf } from "./security.js";

export { NatsRefusedError, type NatsAuth, type NatsRefusal, type NatsSecurity, type NatsTls, redactServers } from "./security.js";

/** Where and how to connect: `auth` and `tls` come from NatsSecurity. */
export interface NatsConnectionOptions extends NatsSecurity {
  /** `nats://host:4222`; several comma-separated for a cluster. */
  readonly servers: string;
  /** Wait between reconnect attempts to one server. @default 250 */
  readonly reconnectTimeWaitMs?: number;
  /** Give up the first connect after this long. @default 2000 */
  readonly connectTimeoutMs?: number;
  /** Ping interval, so a silently dead peer is noticed (two missed pongs drop the connection). @default 10000 */
  readonly pingIntervalMs?: number;
  /** Shown in the server's connection list. @default "micro" */
  readonly name?: string;
}

/** Short: a restarted NATS is used again within a fraction of a second of its return. */
export const DEFAULT_RECONNECT_TIME_WAIT_MS = 250;
export const DEFAULT_CONNECT_TIMEOUT_MS = 2000;
export const DEFAULT_PING_INTERVAL_MS = 10_000;

/** The first connect failed: nothing answered at `servers` in time. `servers` is shown without credentials. */
export class NatsUnavailableError extends Error {
  readonly servers: string;

  constructor(servers: string, options?: { cause?: unknown }) {
    const shown = redactServers(servers);
    const cause = options?.cause instanceof Error && options.cause.message !== "" ? ` (${options.cause.message})` : "";
    super(`NATS not reachable at ${shown}${cause}`, options);
    this.name = "NatsUnavailableError";
    this.servers = shown;
  }
}

/** One user's reference to a shared connection. */
export interface SharedNatsConnection {
  readonly nc: NatsConnection;
  /** As given, without credentials: fit for messages. */
  readonly servers: string;
  /** False from a disconnect until the reconnect, and once closed. */
  isConnected(): boolean;
  /** Calls `listener` on every disconnect; the returned function stops that. */
  onDisconnect(listener: () => void): () => void;
  /** Gives this reference back; the last one closes the connection. Idempotent. */
  release(): Promise<void>;
}

/** What the users of one URL share; `refs` counts from the moment of asking, before the connect ends. */
interface Entry {
  refs: number;
  readonly opening: Promise<Link>;
}

/** One live connection and what it has said about itself. */
class Link {
  connected = true;
  readonly listeners = new Set<() => void>();

  constructor(readonly nc: NatsConnection) {
    void this.follow();
    void nc.closed().then(() => this.lost());
  }

  private async follow(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === "disconnect") this.lost();
      else if (status.type === "reconnect") this.connected = true;
    }
  }

  private lost(): void {
    this.connected = false;
    for (const listener of [...this.listeners]) listener();
  }
}

/**
 * Keyed by the `servers` string as given plus a digest of the credential and TLS settings: the
 * first user's timings apply to everyone on that key, but another identity gets its own connection.
 */
const shared = new Map<string, Entry>();

export async function acquireNatsConnection(options: NatsConnectionOptions): Promise<SharedNatsConnection> {
  const servers = options.servers.trim();
  const key = `${servers}\n${identityOf(options)}`;
  let entry = shared.get(key);
  if (!entry) {
    const created: Entry = { refs: 0, opening: open(servers, options) };
    shared.set(key, created);
    // A failed first connect must not stay cached, and neither may a connection that closed for
    // good (a fatal auth error): the next user starts afresh.
    created.opening.then(
      (link) => void link.nc.closed().then(() => forget(key, created)),
      () => forget(key, created),
    );
    entry = created;
  }
  entry.refs++;
  try {
    return handleOf(key, redactServers(servers), entry, await entry.opening);
  } catch (error) {
    entry.refs--;
    throw error;
  }
}

function forget(key: string, entry: Entry): void {
  if (shared.get(key) === entry) shared.delete(key);
}

async function open(servers: string, options: NatsConnectionOptions): Promise<Link> {
  try {
    const nc = await connect({
      servers: servers.split(",").map((s) => s.trim()),
      name: options.name ?? "micro",
      maxReconnectAttempts: -1,
      reconnectTimeWait: options.reconnectTimeWaitMs ?? DEFAULT_RECONNECT_TIME_WAIT_MS,
      timeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      pingInterval: options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS,
      maxPingOut: 2,
      // By default every request builds two Error objects up front, stack traces included, in
      // case it fails: a quarter of the transport's CPU. Our errors name the subject anyway.
      noAsyncTraces: true,
      ...connectOptionsOf(options),
    });
    return new Link(nc);
  } catch (error) {
    const refusal = refusalOf(error);
    if (refusal) throw new NatsRefusedError(redactServers(servers), refusal, { cause: error });
    throw new NatsUnavailableError(servers, { cause: error });
  }
}

function handleOf(key: string, servers: string, entry: Entry, link: Link): SharedNatsConnection {
  let released = false;
  return {
    nc: link.nc,
    servers,
    isConnected: () => link.connected && !link.nc.isClosed(),
    onDisconnect(listener) {
      // A wrapper of its own, so one function registered twice is stopped registration by registration.
      const own = (): void => listener();
      link.listeners.add(own);
      return () => void link.listeners.delete(own);
    },
    async release() {
      if (released) return;
      released = true;
      entry.refs--;
      if (entry.refs > 0) return;
      forget(key, entry);
      await link.nc.close().catch(() => undefined);
    },
  };
}
