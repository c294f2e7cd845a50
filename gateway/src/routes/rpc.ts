/**
 * `POST /rpc`: go-micro `micro api`'s generic call. Any registered service and endpoint,
 * no gateway redeploy; the service validates the request as it would any other call. A service
 * the registry has never heard of is the caller's mistake, a 404, not a backend that is away.
 */
import { nodesOf, notFound } from "@gw/micro";
import { type App, BACKENDS, type GatewayDeps, callOptions } from "../context.js";
import { GATEWAY_ID } from "../errors.js";
import { RpcBody } from "../schemas.js";

export function rpcRoutes(app: App, { client, registry }: GatewayDeps): void {
  const known = new Set<string>(BACKENDS);
  app.post("/rpc", { schema: { body: RpcBody } }, async (req) => {
    const { service, endpoint, request } = req.body;
    if (!known.has(service)) {
      // An unreachable registry is the client's 503 to make; an empty answer means no such service.
      const services = await registry.getService(service).catch(() => undefined);
      if (services !== undefined && nodesOf(services).length === 0) throw notFound(GATEWAY_ID, `service ${service} not found`);
    }
    return client.callRaw(service, endpoint, request ?? {}, callOptions(req));
  });
}
