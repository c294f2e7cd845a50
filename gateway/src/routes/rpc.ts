/**
 * `POST /rpc`: go-micro `micro api`'s generic call. Any registered service and endpoint, those
 * without an HTTP binding included; the service validates the request as it would any other
 * call. A service the registry has never heard of is the caller's mistake, a 404, not a backend
 * that is away.
 */
import { Type } from "@sinclair/typebox";
import { nodesOf, notFound } from "@gw/micro";
import { ADMIN_ROLE } from "@gw/proto";
import { type App, type GatewayDeps, callOptions } from "../context.js";
import { GATEWAY_ID } from "../errors.js";

export const RpcBody = Type.Object(
  {
    service: Type.String({ pattern: "^[a-z][a-z0-9.-]{0,62}$" }),
    endpoint: Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*\\.[A-Za-z_][A-Za-z0-9_]*$" }),
    request: Type.Optional(Type.Object({})),
  },
  { additionalProperties: false },
);

export function rpcRoutes(app: App, { client, registry }: GatewayDeps, known: () => readonly string[]): void {
  app.post("/rpc", { schema: { body: RpcBody }, config: { auth: { role: ADMIN_ROLE } } }, async (req) => {
    const { service, endpoint, request } = req.body;
    if (!known().includes(service)) {
      // An unreachable registry is the client's 503 to make; an empty answer means no such service.
      const services = await registry.getService(service).catch(() => undefined);
      if (services !== undefined && nodesOf(services).length === 0) throw notFound(GATEWAY_ID, `service ${service} not found`, { reason: "service_not_found" });
    }
    return client.callRaw(service, endpoint, request ?? {}, callOptions(req));
  });
}
