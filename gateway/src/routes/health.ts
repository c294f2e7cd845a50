/**
 * Liveness and readiness. Ready means the gateway can serve: every backend has a node it knows
 * of. A registry that is briefly away does not make it unready, since calls are served from the
 * nodes it last knew; `/ready` says so in its detail ("degraded"), and the metrics do too
 * (`micro_registry_reachable`). Taking every gateway out of service during a registry blip would
 * turn a blip into an outage. A 503 names what is missing.
 */
import { type Registry, nodesOf, unavailable } from "@gw/micro";
import { type App, BACKENDS, type GatewayDeps } from "../context.js";
import { GATEWAY_ID } from "../errors.js";

export function healthRoutes(app: App, { registry }: GatewayDeps): void {
  app.get("/health", async () => ({ status: "ok" }));

  // Not ready is an answer, not a failure: it is sent directly rather than thrown and logged.
  app.get("/ready", async (_request, reply) => {
    const [reachable, missing] = await Promise.all([registry.ping().then(() => true, () => false), backendsWithoutNodes(registry)]);
    if (missing.length > 0) {
      const why = `no node for ${missing.join(", ")}${reachable ? "" : "; registry unreachable"}`;
      return reply.code(503).send(unavailable(GATEWAY_ID, `not ready: ${why}`).toJSON());
    }
    if (!reachable) return { status: "degraded", detail: "registry unreachable: serving from the last known nodes" };
    return { status: "ok" };
  });
}

/** The backends with no node, as the (caching) registry knows them. */
async function backendsWithoutNodes(registry: Registry): Promise<string[]> {
  const known = await Promise.all(BACKENDS.map((name) => registry.getService(name).then((services) => nodesOf(services).length > 0, () => false)));
  return BACKENDS.filter((_, i) => !known[i]);
}
