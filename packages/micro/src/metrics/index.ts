/**
 * Prometheus metrics for one program: a registry of its own (never prom-client's global, so
 * tests and several services in one process do not collide), Node's default metrics (event-loop
 * lag, heap, CPU), and the RPC, HTTP, breaker and pool instruments every part records into.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Seconds; from sub-millisecond local calls to the 5 s default deadline and beyond. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface PoolStatsSource {
  stats(): { total: number; idle: number; waiting: number };
}

export class Metrics {
  readonly registry = new Registry();
  readonly rpcServerRequests: Counter<"service" | "endpoint" | "code">;
  readonly rpcServerDuration: Histogram<"service" | "endpoint">;
  readonly rpcClientRequests: Counter<"service" | "endpoint" | "code">;
  readonly rpcClientDuration: Histogram<"service" | "endpoint">;
  readonly httpRequests: Counter<"method" | "route" | "status">;
  readonly httpDuration: Histogram<"method" | "route">;
  readonly breakerState: Gauge<"service">;

  constructor(program: string) {
    this.registry.setDefaultLabels({ program });
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
    const registers = [this.registry];
    this.rpcServerRequests = new Counter({ name: "micro_server_requests_total", help: "RPC calls served, by endpoint and wire code (200 for success)", labelNames: ["service", "endpoint", "code"], registers });
    this.rpcServerDuration = new Histogram({ name: "micro_server_request_duration_seconds", help: "RPC handling time", labelNames: ["service", "endpoint"], buckets: LATENCY_BUCKETS, registers });
    this.rpcClientRequests = new Counter({ name: "micro_client_requests_total", help: "RPC calls made, by callee endpoint and wire code (200 for success)", labelNames: ["service", "endpoint", "code"], registers });
    this.rpcClientDuration = new Histogram({ name: "micro_client_request_duration_seconds", help: "RPC call time as the caller sees it", labelNames: ["service", "endpoint"], buckets: LATENCY_BUCKETS, registers });
    this.httpRequests = new Counter({ name: "http_requests_total", help: "HTTP requests answered, by route pattern and status", labelNames: ["method", "route", "status"], registers });
    this.httpDuration = new Histogram({ name: "http_request_duration_seconds", help: "HTTP request time", labelNames: ["method", "route"], buckets: LATENCY_BUCKETS, registers });
    this.breakerState = new Gauge({ name: "micro_client_breaker_state", help: "Circuit breaker per downstream service: 0 closed, 1 half-open, 2 open", labelNames: ["service"], registers });
  }

  /** The served calls of one endpoint: duration and count by outcome. */
  rpcServer(service: string, endpoint: string): CallSeries {
    return this.series(this.serverSeries, this.rpcServerDuration, this.rpcServerRequests, service, endpoint);
  }

  /** The calls made to one endpoint, as the caller sees them. */
  rpcClient(service: string, endpoint: string): CallSeries {
    return this.series(this.clientSeries, this.rpcClientDuration, this.rpcClientRequests, service, endpoint);
  }

  /** HTTP requests answered on one route. */
  http(method: string, route: string): CallSeries {
    return this.series(this.httpSeries, this.httpDuration, this.httpRequests, method, route);
  }

  private readonly serverSeries = new Map<string, CallSeries>();
  private readonly clientSeries = new Map<string, CallSeries>();
  private readonly httpSeries = new Map<string, CallSeries>();

  private series(cache: Map<string, CallSeries>, duration: Histogram<string>, count: Counter<string>, first: string, second: string): CallSeries {
    const key = `${first}\u0000${second}`;
    let series = cache.get(key);
    if (!series) {
      series = new CallSeries(duration.labels(first, second), (outcome) => count.labels(first, second, outcome));
      cache.set(key, series);
    }
    return series;
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

/**
 * One label set's duration histogram and its counters by outcome, resolved once. prom-client
 * otherwise validates and hashes a labels object on every observation; measured, the RPC and HTTP
 * instruments cost several microseconds of each gateway request that way.
 */
export class CallSeries {
  private readonly counters = new Map<string, Counter.Internal>();

  constructor(
    private readonly duration: Histogram.Internal<string>,
    private readonly counterFor: (outcome: string) => Counter.Internal,
  ) {}

  /** Records one call of `seconds` that ended with `outcome` (a wire code or HTTP status). */
  record(seconds: number, outcome: string): void {
    this.duration.observe(seconds);
    let counter = this.counters.get(outcome);
    if (!counter) {
      counter = this.counterFor(outcome);
      this.counters.set(outcome, counter);
    }
    counter.inc();
  }
}

/** The wire code of an outcome: 200 for success, the error's code, or 500 for anything else. */
export function codeOf(error: unknown): string {
  if (error === undefined) return "200";
  const code = (error as { code?: unknown }).code;
  return typeof code === "number" ? String(code) : "500";
}
