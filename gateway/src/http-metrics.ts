/**
 * The gateway's HTTP metrics: every request counted and timed by method and route pattern, in
 * the program's Prometheus registry beside the toolkit's RPC instruments. HTTP is the gateway's
 * business, not the toolkit's, so the instrument is defined here, on the toolkit's fast series.
 */
import { CallMetrics, type CallMetricsConfig, type CallSeries, LATENCY_BUCKETS, type Metrics } from "@gw/micro";

export const HTTP_CALLS: CallMetricsConfig = {
  labelNames: ["method", "route"],
  outcomeLabel: "status",
  buckets: LATENCY_BUCKETS,
  count: { name: "http_requests_total", help: "HTTP requests answered, by route pattern and status" },
  duration: { name: "http_request_duration_seconds", help: "HTTP request time" },
};

export class HttpMetrics {
  private readonly calls: CallMetrics;

  constructor(metrics: Metrics) {
    this.calls = new CallMetrics(metrics.registry, HTTP_CALLS);
  }

  /** The requests answered on one route. */
  of(method: string, route: string): CallSeries {
    return this.calls.of(method, route);
  }
}
