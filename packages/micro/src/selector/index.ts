/**
 * The selector picks a node per call. Round robin rotates across calls of one service;
 * a node that just failed is skipped for a cool-down, unless every node has.
 */
import { unavailable } from "../errors/index.js";
import { type Node, type Registry, type Service, nodesOf } from "../registry/index.js";

export interface SelectorOptions {
  /** How long a node that failed to connect is skipped. @default 2000 */
  readonly failureCooldownMs?: number;
}

export const DEFAULT_FAILURE_COOLDOWN_MS = 2000;

export interface Selector {
  /**
   * A node of `service`, not in `exclude`. Throws a 503 when none is left.
   */
  select(service: string, exclude?: ReadonlySet<string>): Promise<Node>;
  /** Records that `node` could not be reached, so the next selections skip it for a while. */
  markFailed(node: Node): void;
}

export class RoundRobinSelector implements Selector {
  private readonly counters = new Map<string, number>();
  private readonly failedUntil = new Map<string, number>();
  private readonly flattened = new WeakMap<readonly Service[], readonly Node[]>();
  private readonly cooldownMs: number;

  constructor(
    private readonly registry: Registry,
    options: SelectorOptions = {},
  ) {
    this.cooldownMs = options.failureCooldownMs ?? DEFAULT_FAILURE_COOLDOWN_MS;
  }

  async select(service: string, exclude?: ReadonlySet<string>): Promise<Node> {
    const nodes = this.flatten(await this.registry.getService(service));
    const turn = this.counters.get(service) ?? 0;
    this.counters.set(service, (turn + 1) % Number.MAX_SAFE_INTEGER);
    // The common case, on every call: nothing to leave out, so no list is built.
    if (!exclude?.size && this.failedUntil.size === 0 && nodes.length > 0) return nodes[turn % nodes.length] as Node;
    const open = exclude?.size ? nodes.filter((n) => !exclude.has(n.id)) : nodes;
    if (open.length === 0) {
      // Made before any node was asked: local, so no circuit breaker counts it against the service.
      throw unavailable(service, `service ${service} has no reachable node`, { local: true });
    }
    const now = Date.now();
    const healthy = open.filter((n) => !this.isCoolingDown(n.id, now));
    // When every node failed recently, try them anyway: one may be back.
    const pool = healthy.length > 0 ? healthy : open;
    return pool[turn % pool.length] as Node;
  }

  markFailed(node: Node): void {
    this.failedUntil.set(node.id, Date.now() + this.cooldownMs);
  }

  /** A cached registry answers with the same array until the service changes: flatten it once. */
  private flatten(services: readonly Service[]): readonly Node[] {
    let nodes = this.flattened.get(services);
    if (!nodes) {
      nodes = nodesOf(services);
      this.flattened.set(services, nodes);
    }
    return nodes;
  }

  private isCoolingDown(nodeId: string, now: number): boolean {
    const until = this.failedUntil.get(nodeId);
    if (until === undefined) return false;
    if (until > now) return true;
    this.failedUntil.delete(nodeId);
    return false;
  }
}
