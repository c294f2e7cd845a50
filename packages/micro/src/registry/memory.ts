/**
 * The memory registry: one process only. The zero-dependency default for tests,
 * and the reference every other registry is held to by the conformance suite.
 */
import {
  type NodeRecord,
  type Registry,
  type RegisterOptions,
  type RegisteredService,
  type WatchEvent,
  type Watcher,
  checkName,
  checkRegistration,
  recordsOf,
  serviceWithNode,
  servicesOf,
} from "./index.js";
import { Watchers } from "./watchers.js";

/** How often expired nodes are swept so that watchers hear about them. */
const SWEEP_INTERVAL_MS = 500;

export class MemoryRegistry implements Registry {
  readonly name = "memory";
  private readonly records = new Map<string, NodeRecord>();
  private readonly watchers = new Watchers();
  private sweeper: NodeJS.Timeout | undefined;

  async register(service: RegisteredService, options: RegisterOptions): Promise<void> {
    checkRegistration(this.name, service);
    const now = Date.now();
    for (const record of recordsOf(service, options.ttlMs, now).map((r) => ({ ...r, storedAt: now }))) {
      const key = keyOf(record.service, record.node.id);
      const action = this.records.has(key) ? "update" : "create";
      this.records.set(key, record);
      this.watchers.emit({ action, service: serviceWithNode(record) });
    }
    this.startSweeper();
  }

  async deregister(service: RegisteredService): Promise<void> {
    checkRegistration(this.name, service);
    for (const node of service.nodes) {
      const key = keyOf(service.name, node.id);
      const record = this.records.get(key);
      if (!record) continue;
      this.records.delete(key);
      this.watchers.emit({ action: "delete", service: serviceWithNode(record) });
    }
  }

  async getService(name: string): Promise<RegisteredService[]> {
    checkName(this.name, "service name", name);
    this.sweep();
    return servicesOf([...this.records.values()].filter((r) => r.service === name));
  }

  async listServices(): Promise<RegisteredService[]> {
    this.sweep();
    return servicesOf(this.records.values());
  }

  watch(listener: (event: WatchEvent) => void, options?: { service?: string }): Watcher {
    if (options?.service !== undefined) checkName(this.name, "service name", options.service);
    return this.watchers.add(listener, options?.service);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.watchers.clear();
  }

  private startSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  private sweep(now = Date.now()): void {
    for (const [key, record] of this.records) {
      if (record.expiresAt > now) continue;
      this.records.delete(key);
      this.watchers.emit({ action: "delete", service: serviceWithNode(record) });
    }
  }
}

function keyOf(service: string, nodeId: string): string {
  return `${service}\u0000${nodeId}`;
}
