/**
 * One measurement: autocannon, in this process, keeps `connections` requests in flight against a
 * URL for a duration; the result is requests/s and latency percentiles.
 *
 * Latency percentiles come from every 2xx response's own time (autocannon's `response` event, in
 * fractional milliseconds), not from autocannon's histogram: that one records whole milliseconds,
 * and the direct baseline answers in less than one, which would make every ratio to it 0 or ∞.
 * Only 2xx responses count, as in autocannon's own latency figures; the others are counted apart.
 */
import autocannon from "autocannon";
import type { Scenario } from "./scenarios.js";

export interface Measurement {
  /** 2xx responses per second: a configuration that fails fast must not look fast. */
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  /** Responses that were not 2xx. */
  readonly non2xx: number;
  /** Connection errors and timeouts: requests that got no response at all. */
  readonly errors: number;
  /** Every response, 2xx or not. */
  readonly responses: number;
  readonly durationSeconds: number;
}

/** How long one request may take before autocannon counts it as a timeout. */
const REQUEST_TIMEOUT_SECONDS = 10;

export function measure(url: string, scenario: Scenario, connections: number, durationSeconds: number): Promise<Measurement> {
  const latencies: number[] = [];
  let non2xx = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url, connections, duration: durationSeconds, timeout: REQUEST_TIMEOUT_SECONDS, requests: [scenario.request()] },
      (error: unknown, result: autocannon.Result) => {
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        const ok = latencies.length;
        latencies.sort((a, b) => a - b);
        resolve({
          rps: round(result.duration > 0 ? ok / result.duration : 0, 1),
          p50Ms: round(percentile(latencies, 0.5), 3),
          p99Ms: round(percentile(latencies, 0.99), 3),
          p999Ms: round(percentile(latencies, 0.999), 3),
          non2xx,
          errors: result.errors,
          responses: ok + non2xx,
          durationSeconds: result.duration,
        });
      },
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
      else non2xx++;
    });
  });
}

/** Nearest-rank percentile of sorted values; NaN when there are none (shown as "–"). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Microseconds are the clock's honest resolution here; more digits would only be noise in the JSON. */
function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
