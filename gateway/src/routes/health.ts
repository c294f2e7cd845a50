/**
 * Liveness and readiness. Ready means the registry answers and every backend has a node;
 * a 503 names what is missing.
 */
import { nodesOf, unavailable } from "@gw/micro";
import { type App, BACKENDS, type GatewayDeps } from "../context.js";
import { GATEWAY_ID } from "../errors.js";

export function healthRoutes(app: App, { registry }: GatewayDeps): void {
  app.get("/health", async () => ({ status: "ok" }));

  app.get("/ready", async () => {
    try {
      await registry.ping();
    } catch {
      throw unavailable(GATEWAY_ID, "not ready: registry unreachable");
    }
    const missing: string[] = [];
    for (const name of BACKENDS) {
      const nodes = nodesOf(await registry.getService(name));
      if (nodes.length === 0) missing.push(name);
    }
    if (missing.length > 0) throw unavailable(GATEWAY_ID, `not ready: no node for ${missing.join(", ")}`);
    return { status: "ok" };
  });
}
