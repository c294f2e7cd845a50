/**
 * The registry: where services announce their nodes and callers look them up.
 * Nodes are registered with a TTL and re-registered on an interval; a node whose TTL has
 * passed without a refresh is gone, so a killed process disappears on its own.
 */

export interface Node {
  /** Unique per running instance, e.g. `users-6f1c…`. */
  readonly id: string;
  /** `host:port` (or a transport-specific address) the node listens on. */
  readonly address: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface Service {
  readonly name: string;
  readonly version: string;
  /** Endpoint names such as `UsersService.Get`. */
  readonly endpoints: readonly string[];
  readonly nodes: readonly Node[];
}

export interface RegisterOptions {
  /** How long the registration lives without a refresh. */
  readonly ttlMs: number;
}

export type WatchAction = "create" | "update" | "delete";

export interface WatchEvent {
  readonly action: WatchAction;
  /** The service with only the node the event is about. */
  readonly service: Service;
}

export interface Watcher {
  stop(): void;
}

export interface Registry {
  /** `memory`, `local`, `nats`, … */
  readonly name: string;
  /** Registers (or refreshes) every node of `service`. */
  register(service: Service, options: RegisterOptions): Promise<void>;
  /** Removes every node of `service`; unknown nodes are ignored. */
  deregister(service: Service): Promise<void>;
  /** The live registrations of `name`, one entry per version; empty when none. */
  getService(name: string): Promise<Service[]>;
  listServices(): Promise<Service[]>;
  /** Calls `listener` on every change; `service` narrows it to one service. */
  watch(listener: (event: WatchEvent) => void, options?: { service?: string }): Watcher;
  /** Reachability of the registry itself, for readiness. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The registry could not be reached or answered wrongly. */
export class RegistryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RegistryError";
  }
}

/**
 * The registry will not have this program, and asking again cannot change that: a local folder
 * that other users could write to, or a NATS that refuses its credential or its TLS. A program
 * stops at start with this error's message rather than retrying forever.
 */
export class RegistryRefusedError extends RegistryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RegistryRefusedError";
  }
}

/**
 * Asks `registry` once whether it accepts this program: resolves unless it refused. Other failures
 * (NATS not up yet) are left to readiness, which retries.
 */
export async function checkAccepted(registry: Registry): Promise<void> {
  try {
    await registry.ping();
  } catch (error) {
    if (error instanceof RegistryRefusedError) throw error;
  }
}

/** Every node of `services`, flattened across versions. */
export function nodesOf(services: readonly Service[]): Node[] {
  return services.flatMap((s) => s.nodes);
}

/** A registration record holds one node: registries store and expire nodes one by one. */
export interface NodeRecord {
  readonly service: string;
  readonly version: string;
  readonly endpoints: readonly string[];
  readonly node: Node;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

export function recordsOf(service: Service, ttlMs: number, now = Date.now()): NodeRecord[] {
  return service.nodes.map((node) => ({
    service: service.name,
    version: service.version,
    endpoints: service.endpoints,
    node,
    expiresAt: now + ttlMs,
  }));
}

/** Groups live records back into services, one per version, in a stable order. */
export function servicesOf(records: Iterable<NodeRecord>, now = Date.now()): Service[] {
  const byKey = new Map<string, { name: string; version: string; endpoints: readonly string[]; nodes: Node[] }>();
  for (const r of records) {
    if (r.expiresAt <= now) continue;
    const key = `${r.service}\u0000${r.version}`;
    let s = byKey.get(key);
    if (!s) {
      s = { name: r.service, version: r.version, endpoints: r.endpoints, nodes: [] };
      byKey.set(key, s);
    }
    s.nodes.push(r.node);
  }
  const out = [...byKey.values()];
  for (const s of out) s.nodes.sort((a, b) => a.id.localeCompare(b.id));
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}

export function serviceWithNode(record: NodeRecord): Service {
  return { name: record.service, version: record.version, endpoints: record.endpoints, nodes: [record.node] };
}
