/**
 * The suite's output: one Markdown table row per scenario (so it pastes into the README as it
 * is), the notes that explain a row (the fault's timeline, findings, unmet aims), and the same
 * results as JSON for `--json`.
 */
import { loadavg } from "node:os";
import { BEFORE_FAULT_MS } from "./figures.js";
import type { ChaosOptions } from "./options.js";
import { type ScenarioResult, violated } from "./run.js";

/** A scenario that could not be carried out at all, with why. */
export interface NotRun {
  readonly scenario: string;
  readonly error: string;
}

export interface ChaosReport {
  readonly schema: 1;
  readonly command: string;
  readonly startedAt: string;
  readonly elapsedSeconds: number;
  readonly options: ChaosOptions;
  readonly results: readonly ScenarioResult[];
  readonly notRun: readonly NotRun[];
  /** The machine's 1-minute load average when the run began and ended: others' work skews every figure. */
  readonly loadAverage: { readonly start: number; readonly end: number };
  /** True when any hard invariant was broken or a scenario did not run (the exit status is then 1). */
  readonly violated: boolean;
}

const HEADER = ["scenario", "transport", "requests", "failed", "failures", "failure window ms", "longest stall ms", "recovery ms", "orders acked", "lost", "doubled", "unanswered", "then found"];
/** l: left-aligned text; r: right-aligned figures. */
const ALIGN = "llrrlrrrrrrrr";

export function formatTable(results: readonly ScenarioResult[]): string {
  const rows = results.map((r) => {
    const a = r.availability;
    const o = r.orders;
    return [
      r.scenario,
      r.transport,
      count(a.requests),
      `${count(a.failed)} (${a.failedPercent} %)`,
      kinds(a.failures),
      figure(a.failureWindowMs),
      count(a.longestStallMs),
      a.recoveryMs === null ? "never" : count(a.recoveryMs),
      count(o.acknowledged),
      count(o.lost),
      count(o.doubled),
      count(o.unanswered),
      count(o.unansweredThenFound),
    ];
  });
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const rule = widths.map((w, i) => (ALIGN[i] === "r" ? `${"-".repeat(w - 1)}:` : "-".repeat(w)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (ALIGN[i] === "r" ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(" | ")} |`;
  return [line(HEADER), line(rule), ...rows.map(line)].join("\n");
}

/** What each row needs said: its fault's timeline, any violation, the aims it missed; and the scenarios that did not run. */
export function formatNotes(results: readonly ScenarioResult[], notRun: readonly NotRun[] = []): string {
  const failed = notRun.map((n) => `${n.scenario}: DID NOT RUN: ${n.error}`);
  const notes = results.map((r) => {
    const events = r.fault.events.map((e) => `${(e.atMs / 1000).toFixed(2)} s ${e.what}`).join("; ");
    const lines = [`${r.scenario} (${r.transport}): ${r.description}. ${r.availability.beforeFaultRps} right answers/s in the ${BEFORE_FAULT_MS / 1000} s before the fault; ${events}`];
    for (const [detail, n] of Object.entries(r.availability.details)) lines.push(`  ${n}× ${detail}`);
    for (const f of r.findings) lines.push(`  VIOLATION: ${f}`);
    for (const p of r.orders.problems) lines.push(`  VIOLATION: ${p}`);
    for (const u of r.unmet) lines.push(`  aim not met (reported only): ${u}`);
    return lines.join("\n");
  });
  return [...notes, ...failed].join("\n");
}

export function buildReport(results: readonly ScenarioResult[], notRun: readonly NotRun[], options: ChaosOptions, startedAt: Date, startLoad: number, command: string): ChaosReport {
  return {
    schema: 1,
    command,
    startedAt: startedAt.toISOString(),
    elapsedSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    options,
    results,
    notRun,
    loadAverage: { start: startLoad, end: round2(loadavg()[0] ?? 0) },
    violated: notRun.length > 0 || results.some(violated),
  };
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function kinds(failures: Readonly<Record<string, number>>): string {
  const entries = Object.entries(failures).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? "–" : entries.map(([kind, n]) => `${kind}×${n}`).join(" ");
}

function count(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function figure(n: number | null): string {
  return n === null ? "–" : count(n);
}
