/**
 * What the dashboard shows, as one JSON document: the services with their nodes, endpoints and
 * circuit breakers, readiness as `/ready` decides it, the traffic per route and the last requests.
 */
import type { Endpoint, Metrics, Registry, RegisteredService } from "@gw/micro";
import type { LiveCatalog } from "../catalog/live-catalog.js";
import { type Readiness, type ReadinessReport, readinessReport } from "../routes/health.js";
import type { RequestRecord, RouteStats, TrafficWindow } from "./traffic.js";

export type BreakerState = "closed" | "half-open" | "open";

export interface NodeView {
  readonly id: string;
  readonly address: string;
  readonly version: string;
  /** What the node registered besides its address: `transport`, `admin` (its /health, /ready, /metrics). */
  readonly metadata: Readonly<Record<string, string>>;
  /** When its registration was last stored (its heartbeat), epoch ms, where the registry says. */
  readonly refreshedAt: number | undefined;
}

export interface ServiceView {
  readonly name: string;
  readonly nodes: readonly NodeView[];
  /** Its catalog as the gateway routes it; empty for a service that registered none. */
  readonly endpoints: readonly Endpoint[];
  /** The gateway's breaker for it; undefined until the gateway first calls it. */
  readonly breaker: BreakerState | undefined;
}

export interface DashboardState {
  /** Epoch milliseconds. */
  readonly at: number;
  readonly readiness: ReadinessReport;
  readonly services: readonly ServiceView[];
  readonly routes: readonly RouteStats[];
  readonly recent: readonly RequestRecord[];
}

export interface StateSources {
  readonly catalog: LiveCatalog;
  readonly registry: Registry;
  readonly readiness: Readiness;
  /** Where the gateway's breakers record their state; absent: breakers are shown as unknown. */
  readonly metrics: Metrics | undefined;
  readonly traffic: TrafficWindow;
}

/** The gauge's values, as `micro_client_breaker_state` defines them. */
const BREAKER_STATES: readonly BreakerState[] = ["closed", "half-open", "open"];

export async function dashboardState(sources: StateSources): Promise<DashboardState> {
  const [readiness, registered, breakers] = await Promise.all([
    readinessReport(sources.registry, sources.readiness),
    registeredServices(sources),
    breakerStates(sources.metrics),
  ]);
  const nodes = new Map<string, NodeView[]>();
  for (const service of registered) {
    const list = nodes.get(service.name) ?? [];
    for (const node of service.nodes) list.push({ id: node.id, address: node.address, version: service.version, metadata: node.metadata, refreshedAt: node.refreshedAt });
    nodes.set(service.name, list);
  }
  // A service the catalog knows stays listed when its last node goes: its routes answer 503.
  const names = [...new Set([...sources.catalog.services, ...nodes.keys(), ...sources.readiness.expect])].sort();
  const services = names.map((name) => ({
    name,
    nodes: (nodes.get(name) ?? []).sort((a, b) => a.id.localeCompare(b.id)),
    endpoints: sources.catalog.endpointsOf(name) ?? registered.find((s) => s.name === name)?.endpoints ?? [],
    breaker: breakers.get(name),
  }));
  return { at: Date.now(), readiness, services, routes: sources.traffic.routes(), recent: sources.traffic.recent() };
}

/**
 * Every registered service, read from the registry itself so a node that left is gone at once;
 * while the registry is away, the nodes the gateway last knew of (it serves from those).
 */
async function registeredServices({ registry, catalog, readiness }: StateSources): Promise<RegisteredService[]> {
  try {
    return await registry.listServices();
  } catch {
    const names = [...new Set([...catalog.services, ...readiness.expect])];
    const found = await Promise.all(names.map((name) => registry.getService(name).catch(() => [])));
    return found.flat();
  }
}

async function breakerStates(metrics: Metrics | undefined): Promise<Map<string, BreakerState>> {
  const states = new Map<string, BreakerState>();
  if (metrics === undefined) return states;
  const { values } = await metrics.breakerState.get();
  for (const { labels, value } of values) {
    const state = BREAKER_STATES[value];
    if (typeof labels.service === "string" && state !== undefined) states.set(labels.service, state);
  }
  return states;
}
