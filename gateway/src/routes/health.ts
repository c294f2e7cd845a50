/**
 * Liveness and readiness. Ready means the gateway can serve: each service it was told to expect
 * (GATEWAY_EXPECT) has a node it knows of. A registry that is briefly away does not make it
 * unready, since calls are served from the nodes it last knew; `/ready` says so in its detail
 * ("degraded"), and the metrics do too (`micro_registry_reachable`). Taking every gateway out of
 * service during a registry blip would turn a blip into an outage. A 503 names what is missing.
 * Catalog claims the gateway refused (two services on one route, a binding it cannot serve) are
 * listed as `problems`: they do not make it unready, since every other route serves.
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

export function healthRoutes(app: App, { registry }: GatewayDeps, readiness: Readiness): void {
  app.get("/health", { config: { auth: "public" } }, async () => ({ status: "ok" }));

  // Not ready is an answer, not a failure: it is sent directly rather than thrown and logged.
  app.get("/ready", { config: { auth: "public" } }, async (_request, reply) => {
    const [reachable, missing] = await Promise.all([
      registry.ping().then(() => true, () => false),
      servicesWithoutNodes(registry, readiness.expect),
    ]);
    // A node is not enough: until its catalog is read, the gateway does not serve its routes.
    if (readiness.expect.some((name) => !missing.includes(name) && !readiness.known().includes(name))) await readiness.resync();
    const known = readiness.known();
    for (const name of readiness.expect) if (!missing.includes(name) && !known.includes(name)) missing.push(name);
    const problems = readiness.problems();
    const extra = problems.length > 0 ? { problems } : {};
    if (missing.length > 0) {
      const why = `no node for ${missing.join(", ")}${reachable ? "" : "; registry unreachable"}`;
      return reply.code(503).send({ ...unavailable(GATEWAY_ID, `not ready: ${why}`, { reason: "not_ready" }).toJSON(), ...extra });
    }
    if (!reachable) return { status: "degraded", detail: "registry unreachable: serving from the last known nodes", ...extra };
    return { status: "ok", ...extra };
  });
}

/** The expected services with no node, as the (caching) registry knows them. */
async function servicesWithoutNodes(registry: Registry, expected: readonly string[]): Promise<string[]> {
  const known = await Promise.all(expected.map((name) => registry.getService(name).then((services) => nodesOf(services).length > 0, () => false)));
  return expected.filter((_, i) => !known[i]);
}
