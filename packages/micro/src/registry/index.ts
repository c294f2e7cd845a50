/**
 * The registry: where services announce their nodes and callers look them up.
 * Nodes are registered with a TTL and re-registered on an interval; a node whose TTL has
 * passed without a refresh is gone, so a killed process disappears on its own.
 */
import type { Endpoint } from "../contract/catalog.js";
import { RefusedError } from "../startup/error.js";

export interface Node {
  /** Unique per running instance, e.g. `users-6f1c…`. */
  readonly id: string;
  /** `host:port` (or a transport-specific address) the node listens on. */
  readonly address: string;
  readonly metadata: Readonly<Record<string, string>>;
  /**
   * When the registry last stored this node's registration (its last register or refresh, the
   * node's heartbeat), epoch milliseconds, by the clock of the store where it keeps one: a local
   * record file's mtime, a NATS KV entry's created time. Filled in by lookups (`getService`,
   * `listServices`) and absent where the store does not say; never written by `register`, which
   * ignores it, so a node is registered exactly as before.
   */
  readonly refreshedAt?: number;
}

/** A service as registered and looked up: its name, version, endpoints and nodes. */
export interface RegisteredService {
  readonly name: string;
  readonly version: string;
  /** Its endpoints (`UsersService.Get`) with their schemas and what each says about itself. */
  readonly endpoints: readonly Endpoint[];
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
  readonly service: RegisteredService;
}

export interface Watcher {
  stop(): void;
}

export interface Registry {
  /** `memory`, `local`, `nats`, … */
  readonly name: string;
  /** Registers (or refreshes) every node of `service`. */
  register(service: RegisteredService, options: RegisterOptions): Promise<void>;
  /** Removes every node of `service`; unknown nodes are ignored. */
  deregister(service: RegisteredService): Promise<void>;
  /** The live registrations of `name`, one entry per version; empty when none. */
  getService(name: string): Promise<RegisteredService[]>;
  listServices(): Promise<RegisteredService[]>;
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
export class RegistryRefusedError extends RefusedError {
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
export function nodesOf(services: readonly RegisteredService[]): Node[] {
  return services.flatMap((s) => s.nodes);
}

export { type NodeRecord, parseRecord, recordsOf, serviceWithNode, servicesOf } from "./records.js";
export { InvalidNameError, type NameKind, checkName, checkRegistration, isName } from "./names.js";
