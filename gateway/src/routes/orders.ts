/**
 * /orders routes: the seed's `POST /orders`, lookups, per-user lists and cancellation.
 */
import { type App, type GatewayDeps, callOptions } from "../context.js";
import { CreateOrderBody, IdParams, OrdersQuery, num } from "../schemas.js";

export function orderRoutes(app: App, { client }: GatewayDeps): void {
  app.post("/orders", { schema: { body: CreateOrderBody } }, async (req, reply) => {
    const created = await client.call("orders", "OrdersService.Create", req.body, callOptions(req));
    return reply.code(201).send(created);
  });

  app.get("/orders", { schema: { querystring: OrdersQuery } }, async (req) => {
    const { user_id, limit, offset } = req.query;
    return client.call(
      "orders",
      "OrdersService.List",
      { user_id: num(user_id), limit: num(limit), offset: num(offset) },
      callOptions(req),
    );
  });

  app.get("/orders/:id", { schema: { params: IdParams } }, async (req) =>
    client.call("orders", "OrdersService.Get", { id: Number(req.params.id) }, callOptions(req)),
  );

  app.post("/orders/:id/cancel", { schema: { params: IdParams } }, async (req) =>
    client.call("orders", "OrdersService.Cancel", { id: Number(req.params.id) }, callOptions(req)),
  );
}
