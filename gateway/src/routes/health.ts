/**
 * Liveness and readiness. Ready means the gateway can serve: each service it was told to expect
 * (GATEWAY_EXPECT) has a node it knows of. A registry that is briefly away does not make it
 * unready, since calls are served from the nodes it last knew; `/ready` says so in its detail
 * ("degraded"), and the metrics do too (`micro_registry_reachable`). Taking every gateway out of
 * service during a registry blip would turn a blip into an outage. A 503 names what is missing.
 * Catalog claims the gateway refused (two services on one route, a binding it cannot serve) are
 * listed as `problems`: they do not make it unready, since every other route serves.
 *
 * `readinessReport` is the one computation: `/ready` answers from it, and the dashboard shows it.
 */
import { type Registry, nodesOf, unavailable } from "@gw/micro";
import type { App, GatewayDeps } from "../context.js";
import { GATEWAY_ID } from "../errors.js";

export interface Readiness {
  /** Services that must have a node for the gateway to be ready. */
  readonly expect: readonly string[];
  /** Catalog claims refused, one sentence each. */
  problems(): readonly string[];
  /** Services whose catalog the gateway has read. */
  known(): readonly string[];
  /** Reads the catalog again. */
  resync(): Promise<void>;
}

/** One expected service as readiness sees it. */
export interface ExpectedService {
  readonly name: string;
  /** Nodes the (caching) registry knows of; 0 when it could not say. */
  readonly nodes: number;
  /** Whether the gateway has read its catalog, and so serves its routes. */
  readonly catalog: boolean;
}

export interface ReadinessReport {
  /** `ok`; `degraded` (ready, but the registry is away); `unavailable` (not ready). */
  readonly status: "ok" | "degraded" | "unavailable";
  /** Whether the registry answered a ping. */
  readonly registryReachable: boolean;
  readonly expected: readonly ExpectedService[];
  /** Expected services without a node or a catalog, in `expect` order. */
  readonly missing: readonly string[];
  readonly problems: readonly string[];
}

/** What `/ready` decides, with the figures behind it. */
export async function readinessReport(registry: Registry, readiness: Readiness): Promise<ReadinessReport> {
  const [registryReachable, nodes] = await Promise.all([
    registry.ping().then(() => true, () => false),
    nodeCounts(registry, readiness.expect),
  ]);
  // A node is not enough: until its catalog is read, the gateway does not serve its routes.
  if (readiness.expect.some((name, i) => nodes[i]! > 0 && !readiness.known().includes(name))) await readiness.resync();
  const known = readiness.known();
  const expected = readiness.expect.map((name, i) => ({ name, nodes: nodes[i]!, catalog: known.includes(name) }));
  // Those without a node first, as the 503 has always named them.
  const missing = [...expected.filter((s) => s.nodes === 0), ...expected.filter((s) => s.nodes > 0 && !s.catalog)].map((s) => s.name);
  const status = missing.length > 0 ? "unavailable" : registryReachable ? "ok" : "degraded";
  return { status, registryReachable, expected, missing, problems: readiness.problems() };
}

export function healthRoutes(app: App, { registry }: GatewayDeps, readiness: Readiness): void {
  app.get("/health", { config: { auth: "public" } }, async () => ({ status: "ok" }));

  // Not ready is an answer, not a failure: it is sent directly rather than thrown and logged.
  app.get("/ready", { config: { auth: "public" } }, async (_request, reply) => {
    const report = await readinessReport(registry, readiness);
    const extra = report.problems.length > 0 ? { problems: report.problems } : {};
    if (report.status === "unavailable") {
      const why = `no node for ${report.missing.join(", ")}${report.registryReachable ? "" : "; registry unreachable"}`;
      return reply.code(503).send({ ...unavailable(GATEWAY_ID, `not ready: ${why}`, { reason: "not_ready" }).toJSON(), ...extra });
    }
    if (report.status === "degraded") return { status: "degraded", detail: "registry unreachable: serving from the last known nodes", ...extra };
    return { status: "ok", ...extra };
  });
}

/** Nodes of each expected service, as the (caching) registry knows them; 0 when it cannot say. */
async function nodeCounts(registry: Registry, expected: readonly string[]): Promise<number[]> {
  return Promise.all(expected.map((name) => registry.getService(name).then((services) => nodesOf(services).length, () => 0)));
}
