/**
 * The report of a run: a table per system (cases, requests, statuses by count, violations by
 * kind, duration, seed), then each finding with its count, where it showed, the smallest
 * request fast-check shrank it to, and the command that replays that request.
 */
import type { ViolationKind } from "./checks.js";
import { describeRequest, escape } from "./request.js";
import type { RunResult } from "./runner.js";
import { type Finding, KIND_ORDER } from "./tally.js";

export interface Labelled {
  /** `auth off` or `auth on`. */
  readonly label: string;
  readonly result: RunResult;
}

const n = (value: number) => value.toLocaleString("en-US");

export function summaryTable(runs: readonly Labelled[]): string {
  const rows: string[][] = [["", ...runs.map((r) => r.label)]];
  const add = (name: string, cell: (r: RunResult) => string) => rows.push([name, ...runs.map((r) => cell(r.result))]);
  add("seed", (r) => String(r.seed));
  add("cases", (r) => n(r.tally.cases.main + r.tally.cases.state));
  add("  of them writes between snapshots", (r) => n(r.tally.cases.state));
  add("  refused, and the lists compared", (r) => n(r.tally.compared));
  add("requests sent (snapshots included)", (r) => n(r.tally.requests));
  add("duration of the cases", (r) => `${(r.durationMs / 1000).toFixed(1)} s`);
  add("duration of shrinking", (r) => `${(r.shrinkMs / 1000).toFixed(1)} s`);
  add("cases per second", (r) => n(Math.round((r.tally.cases.main + r.tally.cases.state) / (r.durationMs / 1000))));
  const statuses = [...new Set(runs.flatMap((r) => [...r.result.tally.statuses.keys()]))].sort();
  for (const status of statuses) add(`status ${status}`, (r) => n(r.tally.statuses.get(status) ?? 0));
  for (const kind of KIND_ORDER) add(`violations: ${label(kind)}`, (r) => n(r.tally.count(kind)));
  add("distinct faults", (r) => n(r.findings.length));
  return table(rows);
}

function label(kind: ViolationKind): string {
  return kind === "process" ? "process deaths / not ready" : kind === "leak" ? "leaks" : kind;
}

function table(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("   ")).join("\n");
}

/** How to send the same request again: the mode, the seed and fast-check's path of the case. */
export function replayCommand(label: string, seed: number, phase: string, path: string): string {
  return `npm run fuzz -- --auth ${label.replace("auth ", "")} --seed ${seed} --replay ${phase}:${path}`;
}

export function describeFinding(label: string, seed: number, finding: Finding): string {
  const lines = [`[${label}] ${finding.kind}: ${finding.signature}  (${n(finding.count)} times)`];
  if (finding.variants.size > 0) lines.push(`  seen on: ${[...finding.variants].join("; ")}`);
  const { first, minimal } = finding;
  if (first.request === undefined) {
    lines.push(indent(first.detail, "  "));
    return lines.join("\n");
  }
  lines.push(`  first: ${first.phase} case ${first.path}: ${escape(first.detail, 160)}`);
  if (minimal === undefined) {
    lines.push(indent(describeRequest(first.request), "    "), `  replay: ${replayCommand(label, seed, first.phase, first.path)}`);
  } else if (!minimal.reproduced || minimal.request === undefined) {
    lines.push("  not reproduced when sent again alone (it depends on what ran before it):", indent(describeRequest(first.request), "    "));
  } else {
    const how = `shrunk ${minimal.shrinks ?? 0} times${minimal.interrupted === true ? ", stopped by the time budget" : ""}`;
    lines.push(`  smallest request (${how}):`, indent(describeRequest(minimal.request), "    "));
    if (minimal.answer !== undefined) lines.push(`    answered ${minimal.answer.status || "nothing"}: ${escape(minimal.answer.text || minimal.answer.failure || "", 200)}`);
    lines.push(`  replay: ${replayCommand(label, seed, first.phase, minimal.path ?? first.path)}`);
  }
  return lines.join("\n");
}

function indent(text: string, prefix: string): string {
  return text
    .split("\n")
    .map((line) => prefix + line)
    .join("\n");
}

export function report(runs: readonly Labelled[]): string {
  const findings = runs.flatMap(({ label, result }) => result.findings.map((f) => describeFinding(label, result.seed, f)));
  const parts = [summaryTable(runs)];
  if (findings.length > 0) parts.push(`faults found (each once, with its smallest request):\n\n${findings.join("\n\n")}`);
  return parts.join("\n\n");
}
