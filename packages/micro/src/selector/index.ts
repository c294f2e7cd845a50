/**
 * The selector picks a node per call. Round robin rotates across calls of one service, passing
 * over nodes the outlier detector has ejected; the client reports each attempt's outcome back.
 * Ejection never leaves a service without a node: when every open node is ejected, they are all
 * tried anyway, since one of them may be back and nothing else can serve.
 */
import { unavailable } from "../errors/index.js";
import { type Node, type Registry, type RegisteredService, nodesOf } from "../registry/index.js";
import { type NodeState, type OutlierOptions, type Outcome, OutlierDetector } from "./outliers.js";

export type { NodeState, OutlierOptions, Outcome } from "./outliers.js";
export {
  OutlierDetector,
  DEFAULT_BASE_EJECTION_MS,
  DEFAULT_CONSECUTIVE_FAILURES,
  DEFAULT_MAX_EJECTION_MS,
  DEFAULT_RAMP_UP_MS,
} from "./outliers.js";

export type SelectorOptions = OutlierOptions;

/** The node chosen for an attempt, and how many other nodes could take a retry. */
export interface Selection {
  readonly node: Node;
  readonly others: number;
}

export interface Selector {
  /** A node of `service`, not in `exclude`. Throws a 503 when none is left. */
  select(service: string, exclude?: ReadonlySet<string>): Promise<Selection>;
  /** What an attempt on `node` of `service` said about it. */
  report(service: string, node: Node, outcome: Outcome): void;
}

export class RoundRobinSelector implements Selector {
  private readonly counters = new Map<string, number>();
  private readonly flattened = new WeakMap<readonly RegisteredService[], readonly Node[]>();
  private readonly outliers: OutlierDetector;

  constructor(
    private readonly registry: Registry,
    options: SelectorOptions = {},
  ) {
    this.outliers = new OutlierDetector(options);
  }

  async select(service: string, exclude?: ReadonlySet<string>): Promise<Selection> {
    const nodes = this.flatten(service, await this.registry.getService(service));
    const turn = this.counters.get(service) ?? 0;
    this.counters.set(service, (turn + 1) % Number.MAX_SAFE_INTEGER);
    // The common case, on every call: nothing to leave out, so no list is built.
    if (!exclude?.size && this.outliers.clear && nodes.length > 0) return { node: nodes[turn % nodes.length] as Node, others: nodes.length - 1 };
    const open = exclude?.size ? nodes.filter((n) => !exclude.has(n.id)) : nodes;
    if (open.length === 0) {
      // Made before any node was asked: local, so no circuit breaker counts it against the service.
      throw unavailable(service, `service ${service} has no reachable node`, { local: true, reason: "no_node" });
    }
    const others = open.length - 1;
    for (let i = 0; i < open.length; i++) {
      const node = open[(turn + i) % open.length] as Node;
      if (this.outliers.admit(node.id)) return { node, others };
    }
    return { node: open[turn % open.length] as Node, others };
  }

  report(service: string, node: Node, outcome: Outcome): void {
    this.outliers.report(service, node.id, outcome);
  }

  /** How the outlier detector sees `node`, for tests and the tools. */
  stateOf(node: Node): NodeState {
    return this.outliers.stateOf(node.id);
  }

  /** A cached registry answers with the same array until the service changes: flatten it once. */
  private flatten(service: string, services: readonly RegisteredService[]): readonly Node[] {
    let nodes = this.flattened.get(services);
    if (!nodes) {
      nodes = nodesOf(services);
      this.flattened.set(services, nodes);
      this.outliers.retain(service, nodes);
    }
    return nodes;
  }
}
