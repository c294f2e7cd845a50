/**
 * Liveness and readiness. Ready means the registry answers and every backend has a node;
 * a 503 names what is missing.
 */
import { type Registry, nodesOf, unavailable } from "@gw/micro";
import { type App, BACKENDS, type GatewayDeps } from "../context.js";
import { GATEWAY_ID } from "../errors.js";

export function healthRoutes(app: App, { registry }: GatewayDeps): void {
  app.get("/health", async () => ({ status: "ok" }));

  // Not ready is an answer, not a failure: it is sent directly rather than thrown and logged.
  app.get("/ready", async (_request, reply) => {
    const missing = await whatIsMissing(registry);
    if (missing === undefined) return { status: "ok" };
    return reply.code(503).send(unavailable(GATEWAY_ID, `not ready: ${missing}`).toJSON());
  });
}

async function whatIsMissing(registry: Registry): Promise<string | undefined> {
  try {
    await registry.ping();
    const missing: string[] = [];
    for (const name of BACKENDS) {
      if (nodesOf(await registry.getService(name)).length === 0) missing.push(name);
    }
    return missing.length > 0 ? `no node for ${missing.join(", ")}` : undefined;
  } catch {
    return "registry unreachable";
  }
}
