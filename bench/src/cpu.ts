/**
 * Where the CPU goes during a measurement: each program's share, the load generator's (this
 * process), and the rest of the machine (PostgreSQL, NATS, the kernel's network work, neighbours),
 * in percent of one core (200 % is both cores of this machine busy). Throughput figures alone do
 * not say which process is the ceiling; these do.
 *
 * Linux only (/proc); elsewhere the figures are left out. /proc counts in USER_HZ ticks, 100 per
 * second on every mainstream Linux build.
 */
import { readFile } from "node:fs/promises";
import type { RunningProgram } from "./programs.js";

const TICKS_PER_SECOND = 100;

/**
 * Percent of one core per label, plus `bench` (the load generator), `other` (everything else that
 * ran here) and `steal` (time the hypervisor gave to other machines: the noise of a shared host).
 */
export type CpuShare = Record<string, number>;

interface Reading {
  readonly at: number;
  readonly programs: Record<string, number>;
  readonly bench: number;
  readonly machine: { readonly busy: number; readonly steal: number } | undefined;
}

/** Starts counting; `stop` resolves the shares since the start, or undefined without /proc. */
export async function cpuMeter(programs: readonly RunningProgram[]): Promise<{ stop(): Promise<CpuShare | undefined> }> {
  const start = await read(programs);
  return {
    async stop() {
      const end = await read(programs);
      if (start.machine === undefined || end.machine === undefined) return undefined;
      const seconds = (end.at - start.at) / 1000;
      const share = (delta: number) => Math.round((delta / seconds) * 100);
      const result: CpuShare = {};
      let accounted = end.bench - start.bench;
      for (const [label, value] of Object.entries(end.programs)) {
        const delta = value - (start.programs[label] ?? value);
        accounted += delta;
        result[label] = share(delta);
      }
      result.bench = share(end.bench - start.bench);
      result.other = share(Math.max(0, end.machine.busy - start.machine.busy - accounted));
      result.steal = share(end.machine.steal - start.machine.steal);
      return result;
    },
  };
}

async function read(programs: readonly RunningProgram[]): Promise<Reading> {
  const entries = await Promise.all(programs.map(async (p) => [p.label, await processSeconds(p.pid)] as const));
  const usage = process.cpuUsage();
  return {
    at: performance.now(),
    programs: Object.fromEntries(entries.filter((e): e is readonly [string, number] => e[1] !== undefined)),
    bench: (usage.user + usage.system) / 1e6,
    machine: await machineSeconds(),
  };
}

/** utime + stime of `pid` in seconds (fields 14 and 15 of /proc/<pid>/stat, after the command name). */
async function processSeconds(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces and parentheses: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Seconds of all cores together from /proc/stat: busy (user, nice, system, irq, softirq) and steal. */
async function machineSeconds(): Promise<Reading["machine"]> {
  try {
    const line = (await readFile("/proc/stat", "utf8")).split("\n", 1)[0] ?? "";
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0);
    return { busy: busy / TICKS_PER_SECOND, steal: (steal ?? 0) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/**
 * Percent of one core the machine spent busy during `ms` while the caller runs nothing: the
 * neighbours' share (another tenant, a test run), measured before a configuration starts.
 */
export async function backgroundBusy(ms: number): Promise<number | undefined> {
  const start = await machineSeconds();
  const at = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const end = await machineSeconds();
  if (start === undefined || end === undefined) return undefined;
  return Math.round(((end.busy - start.busy) / ((performance.now() - at) / 1000)) * 100);
}
