/**
 * One scenario from start to verdict: a fresh system, load through a warm-up, the fault, load for
 * a while after it, then the checks once the load has stopped: the system is ready again, no
 * process died that the scenario did not end, and the orders invariants hold.
 */
import type { Exit, Instance } from "../harness.js";
import { type Availability, availability, recoveryMs } from "./figures.js";
import { Load, type Sample } from "./load.js";
import { Mix } from "./mix.js";
import { type OrdersCheck, checkOrders } from "./orders.js";
import { type FaultSettings, type Scenario, type ScenarioName, scenario } from "./scenarios.js";
import { Clock, type FaultWindow, Timeline, sleep } from "./timeline.js";
import { type Servers, Topology, type Transport } from "./topology.js";

export interface RunSettings {
  readonly transport: Transport;
  /** Load before the fault. */
  readonly warmupMs: number;
  /** Load kept after the fault ended. */
  readonly afterMs: number;
  readonly seed: number;
  readonly connections: number;
  readonly faults: FaultSettings;
}

export const CONNECTIONS = 16;
/** Longer than the programs' call deadline (5 s) and a frozen instance's pause: a request past it got no answer at all. */
export const REQUEST_TIMEOUT_MS = 15_000;
/** Past the fault's end plus the tail, load goes on while the system has not recovered, for up to this long after the fault. */
const RECOVERY_WAIT_MS = 30_000;
const RECOVERY_POLL_MS = 250;
/** How long the system may take to be ready again once the load stopped. */
const READY_AGAIN_TIMEOUT_MS = 30_000;

export interface ScenarioResult {
  readonly scenario: ScenarioName;
  readonly description: string;
  readonly transport: Transport;
  readonly availability: Availability;
  readonly orders: OrdersCheck;
  readonly fault: FaultWindow;
  /** Hard violations besides lost or doubled orders: a death, not ready again, a SIGTERM not exiting 0. */
  readonly findings: readonly string[];
  /** The scenario's aims its figures missed: reported, not asserted (unless --strict). */
  readonly unmet: readonly string[];
}

/** True when a hard invariant was broken: an acknowledged order lost or made twice, a failed retry, a death. */
export function violated(r: ScenarioResult): boolean {
  return r.orders.lost > 0 || r.orders.doubled > 0 || r.orders.retriesFailed > 0 || r.orders.problems.length > 0 || r.findings.length > 0;
}

export async function runScenario(name: ScenarioName, servers: Servers, index: number, settings: RunSettings, signal?: AbortSignal): Promise<ScenarioResult> {
  const def = scenario(name);
  const topology = await Topology.start(servers, settings.transport, index, signal);
  const findings: string[] = [];
  try {
    const mix = new Mix(settings.seed + index, `chaos-${settings.seed}-${name}`);
    const { fault, samples } = await underLoad({ def, topology, servers, settings, mix, findings, signal });
    const notReady = await topology.untilReady(READY_AGAIN_TIMEOUT_MS, signal);
    if (notReady) findings.push(`not ready again ${READY_AGAIN_TIMEOUT_MS} ms after the load stopped: ${notReady}`);
    findings.push(...unexpectedExits(topology.system.exits, fault.victims));
    const orders = await checkOrders(topology.ordersDatabaseUrl, topology.system.url, samples);
    const figures = availability(samples, fault, settings.transport);
    return { scenario: name, description: def.description, transport: settings.transport, availability: figures, orders, fault, findings, unmet: def.expect(figures) };
  } finally {
    // A scenario cut short mid-outage leaves a server stopped: start it, so the programs stop cleanly.
    await Promise.allSettled([servers.nats.running ? undefined : servers.nats.start(), servers.postgres.running ? undefined : servers.postgres.start()]);
    await topology.close();
  }
}

interface LoadedRun {
  readonly def: Scenario;
  readonly topology: Topology;
  readonly servers: Servers;
  readonly settings: RunSettings;
  readonly mix: Mix;
  readonly findings: string[];
  readonly signal: AbortSignal | undefined;
}

/** Load through the warm-up, the fault and the tail (longer while not recovered); the fault's window and every answer. */
async function underLoad(run: LoadedRun): Promise<{ fault: FaultWindow; samples: Sample[] }> {
  const { def, topology, servers, settings, mix, findings, signal } = run;
  const timeline = new Timeline(new Clock());
  const load = Load.start({ url: topology.system.url, connections: settings.connections, mix, clock: timeline.clock, requestTimeoutMs: REQUEST_TIMEOUT_MS });
  let fault: FaultWindow;
  let samples: Sample[];
  try {
    await sleep(settings.warmupMs, signal);
    const context = { topology, servers, timeline, faults: settings.faults, signal, finding: (what: string) => findings.push(what) };
    fault = await def.inject(context).catch((error: unknown) => {
      if (signal?.aborted) throw error;
      findings.push(`the fault could not be carried out: ${(error as Error).message}`);
      const now = timeline.mark("fault aborted");
      return { startMs: now, endMs: now, victims: [], events: timeline.events };
    });
    await sleep(settings.afterMs, signal);
    const end = fault.endMs;
    while (recoveryMs(load.recorded, end) === null && timeline.clock.now() - end < RECOVERY_WAIT_MS) await sleep(RECOVERY_POLL_MS, signal);
  } finally {
    samples = await load.stop();
  }
  return { fault, samples };
}

/** Exits other than the ones the scenario caused, one for each instance it ended. */
export function unexpectedExits(exits: readonly Exit[], victims: readonly Instance[]): string[] {
  const expected = [...victims];
  const lines: string[] = [];
  for (const exit of exits) {
    const i = expected.indexOf(exit.instance);
    if (i >= 0) expected.splice(i, 1);
    else lines.push(`${exit.instance} exited (${exit.signal ?? `code ${exit.code}`}) though the scenario did not end it`);
  }
  return lines;
}
