/**
 * The contract between prom-client's Registry and the hand-written metrics beside this file. The
 * registry prints and exports whatever a metric's `getForPromString()` (else `get()`) returns and
 * resets it with `reset()`; so a metric that returns the samples prom-client's own classes would
 * return is printed, exported and reset exactly like them, with no prom-client code on the
 * recording path.
 */
import type { Metric, Registry } from "prom-client";

export type LabelValues = Readonly<Record<string, string | number>>;

/**
 * One printed line. prom-client's histograms keep a series' own labels apart in `sharedLabels`
 * so they print after `le` and the registry's default labels; `get()` merges them back.
 * `exemplar` is carried because prom-client's samples have the key (null or undefined), and
 * `getMetricsAsJSON()` consumers comparing deeply would see it missing.
 */
export interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
  sharedLabels?: LabelValues;
  exemplar?: null;
}

export interface Exported {
  name: string;
  help: string;
  type: "counter" | "histogram";
  values: Sample[];
  aggregator: "sum";
}

export interface RegistryMetric {
  readonly name: string;
  readonly help: string;
  readonly type: Exported["type"];
  readonly aggregator: Exported["aggregator"];
  get(): Promise<Exported>;
  reset(): void;
}

export function register(registry: Registry, metric: RegistryMetric): void {
  // The typings accept only prom-client's own classes, yet the registry reads no more of a metric
  // than RegistryMetric declares (name to index it, type to rename OpenMetrics counters).
  registry.registerMetric(metric as unknown as Metric);
}
