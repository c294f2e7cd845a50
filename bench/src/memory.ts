/**
 * Resident memory (RSS) of the programs under test: once idle, and the peak while loaded, sampled
 * every RSS_SAMPLE_MS. Linux's /proc/<pid>/status first (no process to start), `ps -o rss=`
 * elsewhere.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import type { RunningProgram } from "./programs.js";

const RSS_SAMPLE_MS = 250;

/** Megabytes per program label. */
export type RssByProgram = Record<string, number>;

/** The RSS of `pid` in MB, or undefined when the process is gone. */
export async function rssMB(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kB = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    if (kB !== undefined) return toMB(Number(kB));
  } catch {
    // No procfs (macOS) or the process is gone: ask ps.
  }
  try {
    const { stdout } = await promisify(execFile)("ps", ["-o", "rss=", "-p", String(pid)]);
    const kB = Number(stdout.trim());
    return stdout.trim() !== "" && Number.isFinite(kB) ? toMB(kB) : undefined;
  } catch {
    return undefined;
  }
}

/** One reading of every program. */
export async function snapshot(programs: readonly RunningProgram[]): Promise<RssByProgram> {
  const entries = await Promise.all(programs.map(async (p) => [p.label, await rssMB(p.pid)] as const));
  return Object.fromEntries(entries.filter((e): e is readonly [string, number] => e[1] !== undefined));
}

/** Samples while a measurement runs; `stop` resolves each program's peak. */
export function samplePeak(programs: readonly RunningProgram[]): { stop(): Promise<RssByProgram> } {
  const peak: RssByProgram = {};
  const take = async () => {
    for (const [label, mb] of Object.entries(await snapshot(programs))) peak[label] = Math.max(peak[label] ?? 0, mb);
  };
  let pending = take();
  const timer = setInterval(() => {
    pending = pending.then(take);
  }, RSS_SAMPLE_MS);
  return {
    async stop() {
      clearInterval(timer);
      await pending;
      await take(); // the end of the load counts too
      return peak;
    },
  };
}

/** kB to MB, to a tenth: finer than that, RSS moves between two reads anyway. */
function toMB(kB: number): number {
  return Math.round((kB / 1024) * 10) / 10;
}
