/**
 * `POST /rpc`: go-micro `micro api`'s generic call. Any registered service and endpoint,
 * no gateway redeploy; the service validates the request as it would any other call.
 */
import { type App, type GatewayDeps, callOptions } from "../context.js";
import { RpcBody } from "../schemas.js";

export function rpcRoutes(app: App, { client }: GatewayDeps): void {
  app.post("/rpc", { schema: { body: RpcBody } }, async (req) => {
    const { service, endpoint, request } = req.body;
    return client.callRaw(service, endpoint, request ?? {}, callOptions(req));
  });
}
