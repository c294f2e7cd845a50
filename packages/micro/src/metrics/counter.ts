/**
 * A counter over a label pair and an outcome that prints exactly as prom-client's Counter does.
 * prom-client hashes the labels into a string and looks that up on every `inc`; here a label pair
 * is resolved once and an increment finds its outcome among the few that pair has seen.
 */
import type { Registry } from "prom-client";
import { type Exported, type LabelValues, type RegistryMetric, register } from "./prom.js";

export interface CounterConfig {
  name: string;
  help: string;
  /** The pair's label names, then the outcome's. */
  labelNames: readonly [string, string, string];
}

interface Cell {
  readonly outcome: string;
  readonly labels: LabelValues;
  value: number;
  listed: boolean;
}

export class OutcomeCounter implements RegistryMetric {
  readonly type = "counter";
  readonly aggregator = "sum";
  // Writable: an OpenMetrics registry strips `_total` from a counter's name in place.
  name: string;
  readonly help: string;
  private readonly labelNames: readonly [string, string, string];
  /** Cells in the order of their first increment since a reset, the order prom-client prints. */
  private readonly counted: Cell[] = [];

  constructor(registry: Registry, config: CounterConfig) {
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames;
    register(registry, this);
  }

  /** The counts of one label pair. Ask once per pair and keep it: each child is a series of its own. */
  child(first: string, second: string): OutcomeCounts {
    return new OutcomeCounts(this.labelNames, first, second, this.counted);
  }

  async get(): Promise<Exported> {
    return {
      help: this.help,
      name: this.name,
      type: this.type,
      values: this.counted.map((cell) => ({ value: cell.value, labels: cell.labels })),
      aggregator: this.aggregator,
    };
  }

  reset(): void {
    for (const cell of this.counted) {
      cell.value = 0;
      cell.listed = false;
    }
    this.counted.length = 0;
  }
}

export class OutcomeCounts {
  /** A pair sees a handful of outcomes, the usual one first, so a scan beats hashing the string. */
  private readonly cells: Cell[] = [];

  constructor(
    private readonly labelNames: readonly [string, string, string],
    private readonly first: string,
    private readonly second: string,
    private readonly counted: Cell[],
  ) {}

  inc(outcome: string): void {
    const cells = this.cells;
    let cell: Cell | undefined;
    for (let i = 0; i < cells.length; i++) {
      if (cells[i]!.outcome === outcome) {
        cell = cells[i]!;
        break;
      }
    }
    cell ??= this.add(outcome);
    if (!cell.listed) {
      cell.listed = true;
      this.counted.push(cell);
    }
    cell.value++;
  }

  private add(outcome: string): Cell {
    const [firstName, secondName, outcomeName] = this.labelNames;
    const labels = Object.freeze({ [firstName]: this.first, [secondName]: this.second, [outcomeName]: outcome });
    const cell: Cell = { outcome, labels, value: 0, listed: false };
    this.cells.push(cell);
    return cell;
  }
}
