/**
 * From raw samples to what is reported: per configuration × scenario × concurrency the median of
 * each figure across repeats, and its ratio to the direct baseline's median from the same run
 * (never from another run: the machine is shared, and another day's baseline measures another
 * machine). Memory: per configuration and program, the median idle RSS and the median peak.
 */
import { BASELINE } from "./configs.js";
import type { CpuShare } from "./cpu.js";
import type { Measurement } from "./load.js";
import type { MemorySample, RawResults } from "./runner.js";
import type { ScenarioName } from "./scenarios.js";

/** A measurement's figures that are summarised across repeats. */
export type Figures = Pick<Measurement, "rps" | "p50Ms" | "p99Ms" | "p999Ms" | "non2xx" | "errors">;

/** This configuration's median over direct's; null where direct's is missing or 0. */
export type Ratios = { readonly [K in keyof Figures]: number | null };

export interface ResultRow {
  readonly config: string;
  readonly scenario: ScenarioName;
  readonly concurrency: number;
  readonly median: Figures;
  readonly ratio: Ratios | null;
  readonly runs: ReadonlyArray<Measurement & { readonly repeat: number }>;
}

export interface ProgramMemory {
  readonly program: string;
  readonly idleMB: number;
  readonly loadMB: number;
}

export interface MemoryRow {
  readonly config: string;
  /** The concurrency whose runs the peak was sampled in. */
  readonly concurrency: number;
  readonly readySeconds: number;
  readonly programs: readonly ProgramMemory[];
  readonly totalIdleMB: number;
  readonly totalLoadMB: number;
  readonly runs: readonly MemorySample[];
}

const FIGURES: ReadonlyArray<keyof Figures> = ["rps", "p50Ms", "p99Ms", "p999Ms", "non2xx", "errors"];

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function summarizeResults(raw: RawResults): ResultRow[] {
  const rows: Omit<ResultRow, "ratio">[] = [];
  for (const config of raw.configs) {
    const scenarios = [...new Set(raw.samples.map((s) => s.scenario))];
    const concurrencies = [...new Set(raw.samples.map((s) => s.concurrency))];
    for (const scenario of scenarios) {
      for (const concurrency of concurrencies) {
        const mine = raw.samples.filter((s) => s.config === config && s.scenario === scenario && s.concurrency === concurrency);
        if (mine.length === 0) continue;
        const runs = mine.map((s) => ({ ...s.measurement, repeat: s.repeat }));
        const med = Object.fromEntries(FIGURES.map((f) => [f, median(runs.map((r) => r[f]))])) as unknown as Figures;
        rows.push({ config, scenario, concurrency, median: med, runs });
      }
    }
  }
  return rows.map((row) => {
    const base = rows.find((b) => b.config === BASELINE && b.scenario === row.scenario && b.concurrency === row.concurrency);
    return { ...row, ratio: base ? ratios(row.median, base.median) : null };
  });
}

function ratios(mine: Figures, base: Figures): Ratios {
  const ratio = (f: keyof Figures) => (base[f] > 0 && Number.isFinite(mine[f]) ? Math.round((mine[f] / base[f]) * 1000) / 1000 : null);
  return Object.fromEntries(FIGURES.map((f) => [f, ratio(f)])) as unknown as Ratios;
}

export function summarizeMemory(raw: RawResults): MemoryRow[] {
  return raw.configs.flatMap((config) => {
    const runs = raw.memory.filter((m) => m.config === config);
    if (runs.length === 0) return [];
    const labels = [...new Set(runs.flatMap((r) => Object.keys(r.idle)))];
    const programs = labels.map((program) => ({
      program,
      idleMB: median(runs.map((r) => r.idle[program] ?? Number.NaN)),
      loadMB: median(runs.map((r) => r.load[program] ?? Number.NaN)),
    }));
    return [
      {
        config,
        concurrency: raw.memoryConcurrency,
        readySeconds: median(runs.map((r) => r.readySeconds)),
        programs,
        // The median of the per-repeat totals: one figure for "all programs up", as measured together.
        totalIdleMB: median(runs.map((r) => sum(Object.values(r.idle)))),
        totalLoadMB: median(runs.map((r) => sum(Object.values(r.load)))),
        runs,
      },
    ];
  });
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Where the CPU went at the memory concurrency: medians across repeats, % of one core. */
export interface CpuRow {
  readonly config: string;
  readonly scenario: ScenarioName;
  readonly concurrency: number;
  readonly share: CpuShare;
}

export function summarizeCpu(raw: RawResults): CpuRow[] {
  const rows: CpuRow[] = [];
  for (const config of raw.configs) {
    for (const scenario of [...new Set(raw.samples.map((s) => s.scenario))]) {
      const shares = raw.samples.filter((s) => s.config === config && s.scenario === scenario && s.cpu).map((s) => s.cpu as CpuShare);
      if (shares.length === 0) continue;
      const labels = [...new Set(shares.flatMap((c) => Object.keys(c)))];
      const share = Object.fromEntries(labels.map((l) => [l, Math.round(median(shares.map((c) => c[l] ?? Number.NaN)))]));
      rows.push({ config, scenario, concurrency: raw.memoryConcurrency, share });
    }
  }
  return rows;
}
