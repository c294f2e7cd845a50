/**
 * The measuring loop. The machine is small and shared, so fairness comes from the order:
 * one configuration runs at a time (two would fight for the same two cores), each is started,
 * warmed up, measured on every scenario and concurrency, and stopped; the next one follows; and the
 * whole cycle repeats, so slow drift on the machine (another tenant, a growing orders table) lands
 * on every configuration alike instead of on whichever ran last. Medians come later (summary.ts).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchOptions } from "./cli.js";
import type { ConfigDef } from "./configs.js";
import { type CpuShare, backgroundBusy, cpuMeter } from "./cpu.js";
import { type Measurement, measure } from "./load.js";
import { type RssByProgram, samplePeak, snapshot } from "./memory.js";
import { type RunDatabases, createDatabases } from "./postgres.js";
import { type Skipped, usableConfigs } from "./prerequisites.js";
import { type Production, startAuthOnly, startProduction } from "./production.js";
import { Programs, freePort } from "./programs.js";
import { type Scenario, type ScenarioName, ensureUsers, scenario } from "./scenarios.js";

/** Connections during the warm-up: enough to fill pools and JIT-compile the hot paths. */
const WARMUP_CONNECTIONS = 16;
/** How long the machine is watched, idle, before each start, to see what others use of it. */
const BACKGROUND_SAMPLE_MS = 1_000;

/** A configuration did not come up; the message carries what its programs said. */
export class StartError extends Error {
  override readonly name = "StartError";
}

export interface Sample {
  readonly config: string;
  readonly scenario: ScenarioName;
  readonly concurrency: number;
  readonly repeat: number;
  readonly measurement: Measurement;
  /** Where the CPU went, for the runs at the memory concurrency (Linux only). */
  readonly cpu: CpuShare | undefined;
}

export interface MemorySample {
  readonly config: string;
  readonly repeat: number;
  /** Seconds from spawning the programs to the readiness path answering 200. */
  readonly readySeconds: number;
  /** Percent of one core others kept busy just before the start, with nothing of the bench running. */
  readonly backgroundCpu: number | undefined;
  /** After the warm-up, before the measured load. */
  readonly idle: RssByProgram;
  /** Peak during the runs at `memoryConcurrency`. */
  readonly load: RssByProgram;
}

export interface RawResults {
  readonly configs: readonly string[];
  readonly skipped: readonly Skipped[];
  readonly memoryConcurrency: number;
  readonly samples: readonly Sample[];
  readonly memory: readonly MemorySample[];
  /** With --production: what the OTLP sink received over the whole run. */
  readonly exported: { readonly batches: number; readonly bytes: number } | undefined;
}

export interface RunContext {
  readonly root: string;
  readonly options: BenchOptions;
  /** Progress for people (stderr). */
  log(line: string): void;
  /** Aborted by Ctrl-C: the current measurement ends, everything started is stopped and removed. */
  readonly signal: AbortSignal;
}

/** Peak memory is sampled at this concurrency: 64 when measured, else the highest measured. */
export function memoryConcurrencyOf(concurrency: readonly number[]): number {
  return concurrency.includes(64) ? 64 : Math.max(...concurrency);
}

export async function runBench(run: RunContext): Promise<RawResults> {
  const { options, log } = run;
  const { configs, skipped } = await usableConfigs(options.configs, options, (line) => log(`warning: ${line}`));
  // Lower-case letters and digits only: it names databases and a NATS bucket.
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
  const runDir = await mkdtemp(join(tmpdir(), "gw-bench-"));
  const samples: Sample[] = [];
  const memory: MemorySample[] = [];
  const memoryConcurrency = memoryConcurrencyOf(options.concurrency);
  let databases: RunDatabases | undefined;
  const production = options.production ? await startProduction() : options.auth ? await startAuthOnly() : undefined;
  try {
    if (configs.some((c) => c.needs.includes("postgres"))) {
      log(`creating databases bench_${runId}_<service> for each service with ${options.users} extra users`);
      databases = await createDatabases(run.root, options.postgresUrl, runId, options.users);
    }
    for (let repeat = 1; repeat <= options.repeat; repeat++) {
      for (const config of configs) {
        run.signal.throwIfAborted();
        const measured = await measureConfig(run, config, { runDir, runId, repeat, databases, memoryConcurrency, production });
        samples.push(...measured.samples);
        memory.push(measured.memory);
      }
    }
  } finally {
    await databases?.drop().catch((error: unknown) => log(`warning: could not drop the run's databases: ${(error as Error).message}`));
    await rm(runDir, { recursive: true, force: true });
    await production?.close();
  }
  return { configs: configs.map((c) => c.name), skipped, memoryConcurrency, samples, memory, exported: production?.received() };
}

interface Cycle {
  readonly runDir: string;
  readonly runId: string;
  readonly repeat: number;
  readonly databases: RunDatabases | undefined;
  readonly memoryConcurrency: number;
  readonly production: Production | undefined;
}

/** Starts `config`, warms it up, measures every scenario and concurrency, stops it. */
async function measureConfig(run: RunContext, config: ConfigDef, cycle: Cycle): Promise<{ samples: Sample[]; memory: MemorySample }> {
  const { options, log } = run;
  const port = await freePort();
  const launch = config.launch({ root: run.root, runDir: cycle.runDir, runId: cycle.runId, repeat: cycle.repeat, port, natsUrl: options.natsUrl, databases: cycle.databases?.urls, production: cycle.production?.env });
  const prefix = `[${cycle.repeat}/${options.repeat}] ${config.name}`;
  const backgroundCpu = await backgroundBusy(options.smoke ? BACKGROUND_SAMPLE_MS / 4 : BACKGROUND_SAMPLE_MS);
  log(`${prefix}: starting ${launch.programs.map((p) => p.label).join(", ")}`);
  const started = performance.now();
  const nodeArgs = options.cpuProfDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${join(options.cpuProfDir, `${config.name}-${cycle.repeat}`)}`];
  const programs = await Programs.start(run.root, launch.programs, launch.url, launch.readyPath, nodeArgs).catch(async (error: unknown) => {
    await launch.cleanup().catch(() => undefined);
    throw new StartError(`${config.name} did not start: ${(error as Error).message}`, { cause: error });
  });
  try {
    const readySeconds = (performance.now() - started) / 1000;
    const headers = cycle.production?.headers ?? {};
    if (launch.seedThroughApi) await ensureUsers(launch.url, options.users, headers);
    const scenarios = options.scenarios.map((name) => scenario(name, options.users, headers));
    if (options.warmupSeconds > 0) {
      for (const s of scenarios) await measure(launch.url, s, WARMUP_CONNECTIONS, options.warmupSeconds);
    }
    const idle = await snapshot(programs.running);
    log(`${prefix}: ready in ${readySeconds.toFixed(1)} s, idle RSS ${mb(idle)}`);
    const { samples, load } = await measureScenarios(run, config.name, cycle, launch.url, programs, scenarios);
    return { samples, memory: { config: config.name, repeat: cycle.repeat, readySeconds, backgroundCpu, idle, load } };
  } finally {
    await programs.stop();
    await launch.cleanup().catch(() => undefined);
  }
}

/** Every scenario at every concurrency; CPU and peak memory are watched at the memory concurrency. */
async function measureScenarios(run: RunContext, config: string, cycle: Cycle, url: string, programs: Programs, scenarios: readonly Scenario[]) {
  const { options, log } = run;
  const samples: Sample[] = [];
  const load: RssByProgram = {};
  for (const s of scenarios) {
    for (const concurrency of options.concurrency) {
      run.signal.throwIfAborted();
      const watched = concurrency === cycle.memoryConcurrency;
      const sampler = watched ? samplePeak(programs.running) : undefined;
      const meter = watched ? await cpuMeter(programs.running) : undefined;
      const m = await measure(url, s, concurrency, options.durationSeconds);
      const cpu = await meter?.stop();
      for (const [label, peak] of Object.entries((await sampler?.stop()) ?? {})) load[label] = Math.max(load[label] ?? 0, peak);
      samples.push({ config, scenario: s.name, concurrency, repeat: cycle.repeat, measurement: m, cpu });
      log(`[${cycle.repeat}/${options.repeat}] ${config} ${s.name} c=${concurrency}: ${Math.round(m.rps)} req/s, p50 ${m.p50Ms.toFixed(2)} ms, p99 ${m.p99Ms.toFixed(2)} ms, non-2xx ${m.non2xx}, errors ${m.errors}`);
    }
  }
  return { samples, load };
}

function mb(rss: RssByProgram): string {
  return Object.entries(rss).map(([label, value]) => `${label} ${Math.round(value)} MB`).join(", ");
}
