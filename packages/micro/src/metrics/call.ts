/**
 * One family of calls (served RPCs, made RPCs, HTTP requests): a duration histogram and a count
 * by outcome over the same label pair, resolved per pair once and kept, so recording a call
 * touches only the pair's own numbers.
 */
import type { Registry } from "prom-client";
import { OutcomeCounter, type OutcomeCounts } from "./counter.js";
import { type HistogramChild, PairHistogram } from "./histogram.js";

export interface CallMetricsConfig {
  labelNames: readonly [string, string];
  outcomeLabel: string;
  count: { name: string; help: string };
  duration: { name: string; help: string };
  buckets: readonly number[];
}

export class CallMetrics {
  private readonly count: OutcomeCounter;
  private readonly duration: PairHistogram;
  // Nested rather than keyed by a joined string: resolving runs once per call, and joining would
  // build a string each time.
  private readonly series = new Map<string, Map<string, CallSeries>>();

  constructor(registry: Registry, config: CallMetricsConfig) {
    const { labelNames, outcomeLabel, buckets } = config;
    // Counter first, as before, so `/metrics` keeps its order.
    this.count = new OutcomeCounter(registry, { ...config.count, labelNames: [...labelNames, outcomeLabel] });
    this.duration = new PairHistogram(registry, { ...config.duration, labelNames, buckets });
  }

  of(first: string, second: string): CallSeries {
    let byFirst = this.series.get(first);
    if (!byFirst) {
      byFirst = new Map();
      this.series.set(first, byFirst);
    }
    let series = byFirst.get(second);
    if (!series) {
      series = new CallSeries(this.duration.child(first, second), this.count.child(first, second));
      byFirst.set(second, series);
    }
    return series;
  }
}

/** One label pair's duration histogram and its counts by outcome. */
export class CallSeries {
  constructor(
    private readonly duration: HistogramChild,
    private readonly counts: OutcomeCounts,
  ) {}

  /** Records one call of `seconds` that ended with `outcome` (a wire code or HTTP status). */
  record(seconds: number, outcome: string): void {
    this.duration.observe(seconds);
    this.counts.inc(outcome);
  }
}
