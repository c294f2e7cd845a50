/**
 * The dashboard's memory of recent traffic, kept in the gateway's own process: per route, the
 * last five minutes in ten-second buckets (requests, client errors, server errors and a latency
 * histogram), and the last requests answered. Prometheus keeps totals since start, which say
 * nothing about the last minute without a server to take differences; this window does, and its
 * size is fixed: per route, 30 buckets of 80 counters, whatever the traffic.
 *
 * Recording is on every request's path, so it allocates nothing (once the ring is full) and does
 * no more than two map lookups, a few additions, one `Math.log2` and one `Date.now()`: about
 * 0.13 µs a request (best of five runs of a million records over 24 routes, on this project's
 * 2-core machine while other work kept it busy), half of it `Date.now()`, against the tens of
 * microseconds the gateway spends on a request. Reading (a snapshot, once a second at most)
 * does the sums: about 0.5 ms for 24 routes.
 */

/** The window: 30 buckets of 10 s. */
export const BUCKET_MS = 10_000;
export const BUCKETS = 30;

/**
 * Latency bins on a log scale, four to a doubling (each about 19 % wider than the last), from
 * 50 µs up to about a minute: a percentile read from them is within about 10 % of the truth.
 * The first bin takes everything faster, the last everything slower.
 */
const BIN_MIN_MS = 0.05;
const BINS_PER_DOUBLING = 4;
export const BINS = 80;

/** Routes kept at most; requests on any further route are counted under `OTHER`. */
export const MAX_SERIES = 500;
export const OTHER = "other";

/** The last requests kept. */
export const RECENT = 50;

export interface RequestRecord {
  /** Epoch milliseconds when it was answered. */
  at: number;
  method: string;
  /** The route pattern, never the raw URL (which may hold ids or tokens). */
  route: string;
  status: number;
  durationMs: number;
  requestId: string;
  traceId: string | undefined;
}

/** One route's figures over a stretch of the window. */
export interface RouteFigures {
  readonly requests: number;
  /** Requests per second over the stretch (or since the gateway started, when that is shorter). */
  readonly rate: number;
  /** Share of requests answered 5xx, 0 to 1. */
  readonly errorRate: number;
  /** Share answered 4xx. */
  readonly clientErrorRate: number;
  /** Milliseconds; undefined without requests. */
  readonly p50: number | undefined;
  readonly p99: number | undefined;
}

export interface RouteStats {
  readonly method: string;
  readonly route: string;
  readonly lastMinute: RouteFigures;
  readonly lastFiveMinutes: RouteFigures;
  /** Requests per bucket, oldest first, `BUCKETS` long: for a sparkline. */
  readonly series: readonly number[];
}

class Series {
  /** Which bucket (epoch ms / BUCKET_MS) each slot holds now. */
  readonly epochs = new Float64Array(BUCKETS).fill(-1);
  readonly requests = new Uint32Array(BUCKETS);
  readonly clientErrors = new Uint32Array(BUCKETS);
  readonly serverErrors = new Uint32Array(BUCKETS);
  readonly latency = new Uint32Array(BUCKETS * BINS);
  /** The newest bucket recorded, to drop routes silent for the whole window. */
  newest = -1;
}

export class TrafficWindow {
  /** method → route → series: two lookups rather than a key built per request. */
  private readonly byMethod = new Map<string, Map<string, Series>>();
  private count = 0;
  private readonly ring: RequestRecord[] = [];
  private next = 0;
  private readonly started: number;

  constructor(private readonly now: () => number = Date.now) {
    this.started = now();
  }

  /** Counts one answered request. */
  record(method: string, route: string, status: number, durationMs: number, requestId: string, traceId: string | undefined): void {
    const at = this.now();
    const series = this.seriesOf(method, route);
    const epoch = Math.floor(at / BUCKET_MS);
    const slot = epoch % BUCKETS;
    if (series.epochs[slot] !== epoch) {
      series.epochs[slot] = epoch;
      series.requests[slot] = 0;
      series.clientErrors[slot] = 0;
      series.serverErrors[slot] = 0;
      series.latency.fill(0, slot * BINS, (slot + 1) * BINS);
    }
    series.newest = epoch;
    series.requests[slot]!++;
    if (status >= 500) series.serverErrors[slot]!++;
    else if (status >= 400) series.clientErrors[slot]!++;
    series.latency[slot * BINS + binOf(durationMs)]!++;
    this.remember(at, method, route, status, durationMs, requestId, traceId);
  }

  /** The last requests answered, newest first. */
  recent(): RequestRecord[] {
    const out: RequestRecord[] = [];
    for (let i = 1; i <= this.ring.length; i++) {
      const record = this.ring[(this.next - i + RECENT) % RECENT];
      if (record !== undefined) out.push({ ...record });
    }
    return out;
  }

  /** Every route with a request in the window, busiest first; routes silent for longer are dropped. */
  routes(): RouteStats[] {
    const now = this.now();
    const epoch = Math.floor(now / BUCKET_MS);
    const out: RouteStats[] = [];
    for (const [method, routes] of this.byMethod) {
      for (const [route, series] of routes) {
        if (series.newest <= epoch - BUCKETS) {
          routes.delete(route);
          this.count--;
          continue;
        }
        out.push({
          method,
          route,
          lastMinute: this.figures(series, epoch, 60_000 / BUCKET_MS, now),
          lastFiveMinutes: this.figures(series, epoch, BUCKETS, now),
          series: seriesOf(series, epoch),
        });
      }
      if (routes.size === 0) this.byMethod.delete(method);
    }
    return out.sort((a, b) => b.lastFiveMinutes.requests - a.lastFiveMinutes.requests || a.route.localeCompare(b.route) || a.method.localeCompare(b.method));
  }

  private seriesOf(method: string, route: string): Series {
    let routes = this.byMethod.get(method);
    let series = routes?.get(route);
    if (series !== undefined) return series;
    if (this.count >= MAX_SERIES) {
      // A route pattern is bounded by the catalog, but nothing bounds the catalog: fold the excess.
      method = OTHER;
      route = OTHER;
      routes = this.byMethod.get(method);
      series = routes?.get(route);
      if (series !== undefined) return series;
    }
    if (routes === undefined) this.byMethod.set(method, (routes = new Map()));
    series = new Series();
    routes.set(route, series);
    this.count++;
    return series;
  }

  private remember(at: number, method: string, route: string, status: number, durationMs: number, requestId: string, traceId: string | undefined): void {
    const existing = this.ring[this.next];
    if (existing === undefined) {
      this.ring.push({ at, method, route, status, durationMs, requestId, traceId });
    } else {
      // Overwritten in place: the ring allocates only while it fills.
      existing.at = at;
      existing.method = method;
      existing.route = route;
      existing.status = status;
      existing.durationMs = durationMs;
      existing.requestId = requestId;
      existing.traceId = traceId;
    }
    this.next = (this.next + 1) % RECENT;
  }

  /** The sums over the `buckets` newest buckets, the current one included. */
  private figures(series: Series, epoch: number, buckets: number, now: number): RouteFigures {
    let requests = 0;
    let serverErrors = 0;
    let clientErrors = 0;
    const bins = new Uint32Array(BINS);
    for (let e = epoch - buckets + 1; e <= epoch; e++) {
      const slot = e % BUCKETS;
      if (series.epochs[slot] !== e) continue;
      requests += series.requests[slot]!;
      serverErrors += series.serverErrors[slot]!;
      clientErrors += series.clientErrors[slot]!;
      for (let b = 0; b < BINS; b++) bins[b]! += series.latency[slot * BINS + b]!;
    }
    // The stretch covered: from the start of its oldest bucket, or from start-up when later.
    const from = Math.max((epoch - buckets + 1) * BUCKET_MS, this.started);
    const seconds = Math.max((now - from) / 1000, 1);
    return {
      requests,
      rate: requests / seconds,
      errorRate: requests === 0 ? 0 : serverErrors / requests,
      clientErrorRate: requests === 0 ? 0 : clientErrors / requests,
      p50: percentile(bins, requests, 0.5),
      p99: percentile(bins, requests, 0.99),
    };
  }
}

/** The bin of a duration: bin i holds (BIN_MIN_MS·2^((i-1)/4), BIN_MIN_MS·2^(i/4)]. */
export function binOf(durationMs: number): number {
  if (!(durationMs > BIN_MIN_MS)) return 0;
  const bin = Math.ceil(Math.log2(durationMs / BIN_MIN_MS) * BINS_PER_DOUBLING);
  return bin < BINS ? bin : BINS - 1;
}

/** The geometric middle of a bin, in milliseconds: what a duration in it is read back as. */
export function binValue(bin: number): number {
  if (bin === 0) return BIN_MIN_MS;
  return BIN_MIN_MS * 2 ** ((bin - 0.5) / BINS_PER_DOUBLING);
}

function percentile(bins: Uint32Array, total: number, q: number): number | undefined {
  if (total === 0) return undefined;
  // The smallest value with at least q of the requests at or below it (nearest rank).
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let b = 0; b < BINS; b++) {
    seen += bins[b]!;
    if (seen >= rank) return binValue(b);
  }
  return binValue(BINS - 1);
}

function seriesOf(series: Series, epoch: number): number[] {
  const out: number[] = [];
  for (let e = epoch - BUCKETS + 1; e <= epoch; e++) {
    const slot = e % BUCKETS;
    out.push(series.epochs[slot] === e ? series.requests[slot]! : 0);
  }
  return out;
}
