/**
 * The faults: each scenario injects one into a ready system under load and says when it began
 * and ended. Its `expect` states the availability the system must keep; the aims are reported
 * next to the figures, and `--strict` (as `npm run chaos` runs) makes a missed one fail the run.
 */
import type { Instance } from "../harness.js";
import type { Availability } from "./figures.js";
import type { Servers, Topology } from "./topology.js";
import { type FaultWindow, type Timeline, sleep } from "./timeline.js";

export const SCENARIO_NAMES = [
  "stop-orders",
  "stop-users",
  "postgres-restart",
  "nats-restart",
  "kill-orders",
  "rolling-users",
  "rolling-products",
  "rolling-orders",
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface FaultSettings {
  /** How long a SIGSTOPped instance stays frozen. */
  readonly pauseMs: number;
  /** How long PostgreSQL or NATS stays down. */
  readonly outageMs: number;
  /** How long after a SIGKILL the replacement is started. */
  readonly replaceAfterMs: number;
}

export const DEFAULT_FAULTS: FaultSettings = { pauseMs: 10_000, outageMs: 3_000, replaceAfterMs: 2_000 };

export interface ScenarioContext {
  readonly topology: Topology;
  readonly servers: Servers;
  readonly timeline: Timeline;
  readonly faults: FaultSettings;
  /** Aborted when the run is interrupted. */
  readonly signal?: AbortSignal | undefined;
  /** Something that must not happen happened (a SIGTERM that did not exit 0, say). */
  finding(what: string): void;
}

export interface Scenario {
  readonly name: ScenarioName;
  readonly description: string;
  inject(context: ScenarioContext): Promise<FaultWindow>;
  /** The aims this scenario's figures miss, one line each; none when they are met. */
  expect(figures: Availability): string[];
}

export function scenario(name: ScenarioName): Scenario {
  return SCENARIOS[name];
}

/** An aim not met, as a line, or nothing. */
function atMost(what: string, value: number | null, limit: number): string[] {
  if (value !== null && value <= limit) return [];
  return [`${what} ${value ?? "never"} (aim: at most ${limit})`];
}

/** Losing one of two instances should cost almost nothing: the other one serves. */
const oneOfTwo = (f: Availability) => [
  ...atMost("failed %", f.failedPercent, 0.5),
  ...atMost("longest stall ms", f.longestStallMs, 1000),
  ...atMost("recovery ms", f.recoveryMs, 1000),
];
/** A graceful restart deregisters and drains first: nothing should fail. */
const graceful = (f: Availability) => [...atMost("failed requests", f.failed, 0), ...atMost("longest stall ms", f.longestStallMs, 500)];
/** A dependency away fails calls, fast, only while it is away, and the system is back within a second of it. */
const dependency = (f: Availability) => [...atMost("timeouts", f.failures.timeout ?? 0, 0), ...atMost("recovery ms", f.recoveryMs, 1000)];
/** A killed instance's in-flight calls go to the other (reads, and writes with an Idempotency-Key): none fails. */
const killed = (f: Availability) => [...atMost("failed requests", f.failed, 0), ...atMost("longest stall ms", f.longestStallMs, 1000)];

const pause = (victim: Instance) => async (c: ScenarioContext): Promise<FaultWindow> => {
  const startMs = c.timeline.mark(`SIGSTOP ${victim}`);
  c.topology.system.signal(victim, "SIGSTOP");
  await sleep(c.faults.pauseMs, c.signal);
  c.topology.system.signal(victim, "SIGCONT");
  const endMs = c.timeline.mark(`SIGCONT ${victim}`);
  // Frozen, not ended: it must come back, so an exit of it is a finding like any other.
  return { startMs, endMs, victims: [], events: c.timeline.events };
};

const restart = (which: keyof Servers, label: string) => async (c: ScenarioContext): Promise<FaultWindow> => {
  const server = c.servers[which];
  const startMs = c.timeline.mark(`${label} stopping`);
  await server.stop();
  c.timeline.mark(`${label} stopped`);
  await sleep(c.faults.outageMs, c.signal);
  await server.start();
  const endMs = c.timeline.mark(`${label} accepting again`);
  return { startMs, endMs, victims: [], events: c.timeline.events };
};

const kill = (victim: Instance) => async (c: ScenarioContext): Promise<FaultWindow> => {
  const { system } = c.topology;
  const before = await c.topology.nodeIds(victim);
  const at = c.timeline.mark(`SIGKILL ${victim}`);
  await system.stop(victim, "SIGKILL");
  await sleep(c.faults.replaceAfterMs, c.signal);
  c.timeline.mark(`${victim} started again`);
  system.launch(victim);
  await c.topology.untilRegisteredAnew(victim, before, c.signal);
  c.timeline.mark(`${victim} registered`);
  // The fault is the kill itself: recovery is how soon the survivor carries the load.
  return { startMs: at, endMs: at, victims: [victim], events: c.timeline.events };
};

const rolling = (service: "users" | "products" | "orders") => async (c: ScenarioContext): Promise<FaultWindow> => {
  const { system } = c.topology;
  let startMs: number | undefined;
  let endMs = 0;
  for (const instance of [service, `${service}#2`] as const) {
    const before = await c.topology.nodeIds(instance);
    startMs ??= c.timeline.mark(`SIGTERM ${instance}`);
    const code = await system.stop(instance, "SIGTERM");
    c.timeline.mark(`${instance} exited (code ${code})`);
    if (code !== 0) c.finding(`${instance} exited with code ${code} after SIGTERM, not 0`);
    system.launch(instance);
    await c.topology.untilRegisteredAnew(instance, before, c.signal);
    endMs = c.timeline.mark(`${instance} registered`);
  }
  return { startMs: startMs ?? endMs, endMs, victims: [service, `${service}#2`], events: c.timeline.events };
};

const SCENARIOS: Record<ScenarioName, Scenario> = {
  "stop-orders": { name: "stop-orders", description: "SIGSTOP one of two orders instances, then SIGCONT", inject: pause("orders#2"), expect: oneOfTwo },
  "stop-users": { name: "stop-users", description: "SIGSTOP one of two users instances, then SIGCONT", inject: pause("users#2"), expect: oneOfTwo },
  "postgres-restart": { name: "postgres-restart", description: "PostgreSQL stopped (fast), down, started again", inject: restart("postgres", "PostgreSQL"), expect: dependency },
  "nats-restart": { name: "nats-restart", description: "NATS stopped, down, started again (registry; on --transport nats also every call)", inject: restart("nats", "NATS"), expect: dependency },
  "kill-orders": { name: "kill-orders", description: "SIGKILL one of two orders instances, a replacement started a moment later", inject: kill("orders#2"), expect: killed },
  "rolling-users": { name: "rolling-users", description: "SIGTERM each users instance in turn, started again once it exited, until registered", inject: rolling("users"), expect: graceful },
  "rolling-products": { name: "rolling-products", description: "the same rolling restart of products", inject: rolling("products"), expect: graceful },
  "rolling-orders": { name: "rolling-orders", description: "the same rolling restart of orders", inject: rolling("orders"), expect: graceful },
};
