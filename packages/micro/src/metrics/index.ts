/**
 * Prometheus metrics for one program: a registry of its own (never prom-client's global, so
 * tests and several services in one process do not collide), Node's default metrics (event-loop
 * lag, heap, CPU), and the RPC, breaker, outlier and pool instruments every part records into.
 * A program adds instruments of its own to `registry` (the gateway's HTTP requests, say).
 */
import type { Counter as PromCounter, Gauge as PromGauge } from "prom-client";
import { Counter, Gauge, Registry, collectDefaultMetrics } from "./prom-parts.js";
import type { NodeState } from "../selector/outliers.js";
import { CallMetrics, type CallMetricsConfig, type CallSeries } from "./call.js";

export { CallMetrics, type CallMetricsConfig, type CallSeries };

/** Seconds; from sub-millisecond local calls to the 5 s default deadline and beyond. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const SERVER_CALLS: CallMetricsConfig = {
  labelNames: ["service", "endpoint"],
  outcomeLabel: "code",
  buckets: LATENCY_BUCKETS,
  count: { name: "micro_server_requests_total", help: "RPC calls served, by endpoint and wire code (200 for success)" },
  duration: { name: "micro_server_request_duration_seconds", help: "RPC handling time" },
};

export const CLIENT_CALLS: CallMetricsConfig = {
  ...SERVER_CALLS,
  count: { name: "micro_client_requests_total", help: "RPC calls made, by callee endpoint and wire code (200 for success)" },
  duration: { name: "micro_client_request_duration_seconds", help: "RPC call time as the caller sees it" },
};

export interface PoolStatsSource {
  stats(): { total: number; idle: number; waiting: number };
}

export class Metrics {
  readonly registry = new Registry();
  readonly breakerState: PromGauge<"service">;
  private readonly outOfRotation: PromGauge<"service">;
  private readonly ejections: PromCounter<"service">;
  /** Per service, the nodes the outlier detector holds out of full rotation (ejected, on trial or ramping). */
  private readonly held = new Map<string, Set<string>>();
  // Hand-written rather than prom-client's Histogram and Counter, which cost about 3 % of the
  // gateway's CPU even through cached children (see ./histogram.ts); they print identically.
  private readonly serverCalls: CallMetrics;
  private readonly clientCalls: CallMetrics;

  constructor(program: string) {
    this.registry.setDefaultLabels({ program });
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
    this.serverCalls = new CallMetrics(this.registry, SERVER_CALLS);
    this.clientCalls = new CallMetrics(this.registry, CLIENT_CALLS);
    this.breakerState = new Gauge({ name: "micro_client_breaker_state", help: "Circuit breaker per downstream service: 0 closed, 1 half-open, 2 open", labelNames: ["service"], registers: [this.registry] });
    this.outOfRotation = new Gauge({ name: "micro_client_outlier_nodes", help: "Nodes per downstream service held out of full rotation: ejected, on trial or ramping up", labelNames: ["service"], registers: [this.registry] });
    this.ejections = new Counter({ name: "micro_client_outlier_ejections_total", help: "Times a node of a downstream service was ejected for failing", labelNames: ["service"], registers: [this.registry] });
  }

  /** A selector's `onChange`: outlier states as gauges and counts. */
  readonly nodeStateChanged = (service: string, nodeId: string, state: NodeState): void => {
    let nodes = this.held.get(service);
    if (nodes === undefined) this.held.set(service, (nodes = new Set()));
    if (state === "healthy") nodes.delete(nodeId);
    else nodes.add(nodeId);
    if (state === "ejected") this.ejections.inc({ service });
    this.outOfRotation.set({ service }, nodes.size);
  };

  /** The served calls of one endpoint: duration and count by outcome. */
  rpcServer(service: string, endpoint: string): CallSeries {
    return this.serverCalls.of(service, endpoint);
  }

  /** The calls made to one endpoint, as the caller sees them. */
  rpcClient(service: string, endpoint: string): CallSeries {
    return this.clientCalls.of(service, endpoint);
  }


  /**
   * Whether `registry` answers, asked at scrape time: 0 means this program is serving from what it
   * last knew, which callers do on purpose while the registry is briefly away.
   */
  observeRegistry(registry: { readonly name: string; ping(): Promise<void> }): void {
    new Gauge({
      name: "micro_registry_reachable",
      help: "1 when the registry answered a ping at scrape time, 0 when this program serves from the nodes it last knew",
      labelNames: ["registry"],
      registers: [this.registry],
      async collect() {
        this.set({ registry: registry.name }, await registry.ping().then(() => 1, () => 0));
      },
    });
  }

  /** Reports a connection pool's figures, read at scrape time. */
  observePool(name: string, source: PoolStatsSource): void {
    new Gauge({
      name: "db_pool_connections",
      help: "Database pool connections by state (total, idle) and callers waiting for one",
      labelNames: ["pool", "state"],
      registers: [this.registry],
      collect() {
        const s = source.stats();
        this.set({ pool: name, state: "total" }, s.total);
        this.set({ pool: name, state: "idle" }, s.idle);
        this.set({ pool: name, state: "waiting" }, s.waiting);
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** The wire code of an outcome: 200 for success, the error's code, or 500 for anything else. */
export function codeOf(error: unknown): string {
  if (error === undefined) return "200";
  const code = (error as { code?: unknown }).code;
  return typeof code === "number" ? String(code) : "500";
}
