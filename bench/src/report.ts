/**
 * The report: one JSON document (the record), a table for the terminal (the same figures, for
 * people), and the files under the results folder: `<timestamp>.json` and `.svg`, plus
 * `latest.json` and `latest.svg` so the newest run is always at the same path.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import type { BenchOptions } from "./cli.js";
import { BASELINE, COMMON_ENV } from "./configs.js";
import type { Skipped } from "./prerequisites.js";
import type { RawResults } from "./runner.js";
import { SCENARIO_NAMES, scenario } from "./scenarios.js";
import { type CpuRow, type MemoryRow, type ResultRow, summarizeCpu, summarizeMemory, summarizeResults } from "./summary.js";
import { renderSvg } from "./svg.js";

export interface BenchReport {
  readonly schema: 1;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly elapsedSeconds: number;
  readonly command: string;
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly memoryGB: number; readonly node: string; readonly platform: string };
  readonly settings: Omit<BenchOptions, "outDir" | "postgresUrl" | "natsUrl" | "cpuProfDir"> & {
    /** The programs ran under the V8 profiler, which slows them: figures are not comparable. */
    readonly profiled: boolean;
    readonly baseline: string;
    readonly environment: Readonly<Record<string, string>>;
    readonly memoryConcurrency: number;
  };
  readonly skipped: readonly Skipped[];
  readonly notes: readonly string[];
  readonly results: readonly ResultRow[];
  readonly memory: readonly MemoryRow[];
  /** Percent of one core per process during the memory-concurrency runs (Linux only). */
  readonly cpu: readonly CpuRow[];
  /** The embedded default with all four programs up, idle: the figure a laptop user pays. */
  readonly embeddedTotalIdleMB: number | null;
}

export function buildReport(raw: RawResults, options: BenchOptions, startedAt: Date, command: string): BenchReport {
  const finishedAt = new Date();
  const memory = summarizeMemory(raw);
  const { outDir: _out, postgresUrl: _pg, natsUrl: _nats, cpuProfDir, ...settings } = options;
  return {
    schema: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    elapsedSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 100) / 10,
    command,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform },
    settings: { ...settings, profiled: cpuProfDir !== undefined, configs: [...raw.configs], baseline: BASELINE, environment: COMMON_ENV, memoryConcurrency: raw.memoryConcurrency },
    skipped: raw.skipped,
    notes: notes(options, raw.memoryConcurrency, raw.exported),
    results: summarizeResults(raw),
    memory,
    cpu: summarizeCpu(raw),
    embeddedTotalIdleMB: memory.find((m) => m.config === "embedded")?.totalIdleMB ?? null,
  };
}

function notes(options: BenchOptions, memoryConcurrency: number, exported: RawResults["exported"]): string[] {
  return [
    ...(options.cpuProfDir === undefined ? [] : [`PROFILED: every program ran under node --cpu-prof (profiles in ${options.cpuProfDir}); the profiler slows them, so these figures do not compare with unprofiled runs.`]),
    ...(options.production
      ? [
          `PRODUCTION: every program but direct runs with auth (HS256; the load generator sends a bearer token), rate limiting (in memory, a limit of 1,000,000/s that one load generator cannot reach), LOG_LEVEL=info, metrics, and every span exported over OTLP/HTTP to a sink in the bench process${exported ? ` (${exported.batches} batches, ${(exported.bytes / 2 ** 20).toFixed(0)} MB received)` : ""}.`,
        ]
      : options.auth
        ? ["AUTH: every program but direct runs with AUTH=on (HS256; the load generator sends a bearer token; programs sign and verify call credentials), everything else as without flags (RATE_LIMIT=off, LOG_LEVEL=warn)."]
      : [
          "AUTH=off and RATE_LIMIT=off: one load generator from one address would be refused or limited; every other production feature at its default (metrics, trace ids in traceparent with no exporter and so no spans recorded, circuit breakers, timeouts).",
          "LOG_LEVEL=warn for every program: no log line per request.",
        ]),
    `Medians of ${options.repeat} repeat(s); configurations interleaved (one running at a time, round robin per repeat); ×${BASELINE} is this run's median over ${BASELINE}'s (req/s: higher is better; latency: lower is better).`,
    "req/s counts 2xx responses; latency percentiles are of 2xx responses, at sub-millisecond resolution; non-2xx and errors (no response) are counted apart.",
    `The load generator (autocannon) runs in the bench process on the same ${cpus().length}-core machine as the programs and PostgreSQL: at high concurrency it takes CPU from them.`,
    `direct: a node:http server with the services' SQL through openPostgres (named prepared statements, a pool of 10 per database), no gateway, no RPC. RSS: idle after the warm-up; peak sampled every 250 ms during the c=${memoryConcurrency} runs.`,
  ];
}

/** Background load, in % of one core, from which the report warns that others shared the machine. */
const NOISY_BACKGROUND_CPU = 30;

const ms = (v: number) => (Number.isNaN(v) ? "–" : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));
const times = (v: number | null | undefined) => (v === null || v === undefined ? "–" : `×${v < 10 ? v.toFixed(2) : v.toFixed(1)}`);

/** The results and memory tables, with the notes, as printed on stdout. */
export function formatReport(report: BenchReport): string {
  const out: string[] = [];
  const head = ["config", "conc", "req/s", `×${BASELINE}`, "p50 ms", "×", "p99 ms", "×", "p99.9 ms", "×", "non-2xx", "errors"];
  for (const name of SCENARIO_NAMES) {
    const rows = report.results.filter((r) => r.scenario === name);
    if (rows.length === 0) continue;
    out.push("", `${scenario(name, 0).title}  (medians of ${report.settings.repeat})`);
    const body = rows
      .slice()
      .sort((a, b) => a.concurrency - b.concurrency || report.settings.configs.indexOf(a.config) - report.settings.configs.indexOf(b.config))
      .map((r) => [
        r.config,
        String(r.concurrency),
        Math.round(r.median.rps).toLocaleString("en-US"),
        times(r.ratio?.rps),
        ms(r.median.p50Ms),
        times(r.ratio?.p50Ms),
        ms(r.median.p99Ms),
        times(r.ratio?.p99Ms),
        ms(r.median.p999Ms),
        times(r.ratio?.p999Ms),
        String(r.median.non2xx),
        String(r.median.errors),
      ]);
    out.push(...table([head, ...body], "lrrrrrrrrrrr"));
  }
  out.push("", `memory, RSS in MB: idle after warm-up / peak during the c=${report.settings.memoryConcurrency} runs (medians)`);
  const memory = report.memory.map((m) => [
    m.config,
    m.readySeconds.toFixed(1),
    m.programs.map((p) => `${p.program} ${Math.round(p.idleMB)}/${Math.round(p.loadMB)}`).join(", "),
    `${Math.round(m.totalIdleMB)}/${Math.round(m.totalLoadMB)}`,
  ]);
  out.push(...table([["config", "ready s", "per program idle/peak", "total idle/peak"], ...memory], "lrlr"));
  if (report.embeddedTotalIdleMB !== null) out.push(`embedded default, all four programs up and idle: ${Math.round(report.embeddedTotalIdleMB)} MB RSS`);
  if (report.cpu.length > 0) {
    out.push("", `CPU during the c=${report.settings.memoryConcurrency} runs, % of one core (${report.machine.cpus * 100} % = every core; bench = the load generator; other = PostgreSQL, NATS, the kernel and anything else running here; steal = taken by the host)`);
    const cpu = report.cpu.map((c) => [c.config, c.scenario, Object.entries(c.share).map(([label, pct]) => `${label} ${pct}`).join(", ")]);
    out.push(...table([["config", "scenario", "share"], ...cpu], "lll"));
  }
  for (const s of report.skipped) out.push(`skipped ${s.config}: ${s.reason}`);
  const busiest = Math.max(0, ...report.memory.flatMap((m) => m.runs.map((r) => r.backgroundCpu ?? 0)));
  if (busiest >= NOISY_BACKGROUND_CPU) {
    out.push("", `warning: other processes kept up to ${busiest} % of a core busy just before some starts (${report.machine.cpus} cores): figures are noisier than usual`);
  }
  out.push("", ...report.notes.map((n) => `- ${n}`));
  return out.join("\n");
}

/** Pads columns to their widest cell: "l" columns to the left, the rest (numbers) to the right. */
function table(rows: string[][], align: string): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (align[i] === "l" ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ").trimEnd());
}

/** Writes `<timestamp>.json`, `<timestamp>.svg`, `latest.json` and `latest.svg`; resolves their paths. */
export async function writeResults(report: BenchReport, outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, "-");
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const svg = renderSvg(report);
  const files: Array<[string, string]> = [
    [`${stamp}.json`, json],
    [`${stamp}.svg`, svg],
    ["latest.json", json],
    ["latest.svg", svg],
  ];
  for (const [name, text] of files) await writeFile(join(outDir, name), text);
  return files.map(([name]) => join(outDir, name));
}
