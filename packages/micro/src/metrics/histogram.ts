/**
 * A histogram over two labels that prints exactly as prom-client's Histogram does. prom-client
 * re-validates labels, hashes them into a string and looks that up on every observation, even
 * through a `labels()` child, then indexes its buckets by the bound turned into a string; here a
 * label pair is resolved once into a child whose observation is a scan of the bounds and three
 * number updates.
 */
import type { Registry } from "prom-client";
import { type Exported, type LabelValues, type RegistryMetric, type Sample, register } from "./prom.js";

export interface HistogramConfig {
  name: string;
  help: string;
  labelNames: readonly [string, string];
  /** Ascending upper bounds, `+Inf` implied. */
  buckets: readonly number[];
}

export class PairHistogram implements RegistryMetric {
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly name: string;
  readonly help: string;
  private readonly labelNames: readonly [string, string];
  private readonly bounds: Float64Array;
  /** Children in the order of their first observation since a reset, the order prom-client prints. */
  private readonly observed: HistogramChild[] = [];

  constructor(registry: Registry, config: HistogramConfig) {
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames;
    this.bounds = Float64Array.from(config.buckets);
    register(registry, this);
  }

  /** The series of one label pair. Ask once per pair and keep it: each child is a series of its own. */
  child(first: string, second: string): HistogramChild {
    const [firstName, secondName] = this.labelNames;
    return new HistogramChild(this.bounds, Object.freeze({ [firstName]: first, [secondName]: second }), this.observed);
  }

  // prom-client's Registry prefers this to get() for the text format: it prints `sharedLabels`
  // after `le` and the default labels, as prom-client's own Histogram has it.
  async getForPromString(): Promise<Exported> {
    const bucket = `${this.name}_bucket`;
    const values: Sample[] = [];
    for (const child of this.observed) {
      const shared = child.labels;
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += child.counts[i]!;
        values.push({ labels: { le: this.bounds[i]! }, sharedLabels: shared, value: cumulative, metricName: bucket, exemplar: null });
      }
      values.push(
        { labels: { le: "+Inf" }, sharedLabels: shared, value: child.count, metricName: bucket, exemplar: null },
        { labels: {}, sharedLabels: shared, value: child.sum, metricName: `${this.name}_sum`, exemplar: undefined },
        { labels: {}, sharedLabels: shared, value: child.count, metricName: `${this.name}_count`, exemplar: undefined },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  async get(): Promise<Exported> {
    const data = await this.getForPromString();
    data.values = data.values.map(({ sharedLabels, labels, ...sample }) => ({ ...sample, labels: { ...labels, ...sharedLabels } }));
    return data;
  }

  reset(): void {
    for (const child of this.observed) child.clear();
    this.observed.length = 0;
  }
}

export class HistogramChild {
  /** Observations per bucket, not cumulative; the last slot holds those above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  private listed = false;

  constructor(
    private readonly bounds: Float64Array,
    readonly labels: LabelValues,
    private readonly observed: HistogramChild[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    // prom-client throws here, which inside a call's `finally` would replace the call's outcome,
    // and a NaN let through would poison the sum for good; dropping it is the lesser harm.
    if (!Number.isFinite(value)) return;
    if (!this.listed) {
      this.listed = true;
      this.observed.push(this);
    }
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  clear(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
    this.listed = false;
  }
}
