/**
 * /orders routes: the seed's `POST /orders`, lookups, per-user lists and cancellation.
 */
import { type Metadata, badRequest } from "@gw/micro";
import { IDEMPOTENCY_KEY } from "@gw/proto";
import { type App, type GatewayDeps, callOptions, forward } from "../context.js";
import { GATEWAY_ID } from "../errors.js";
import { CreateOrderBody, IdParams, OrdersQuery, num } from "../schemas.js";

export function orderRoutes(app: App, { client }: GatewayDeps): void {
  app.post("/orders", { schema: { body: CreateOrderBody } }, async (req, reply) => {
    const options = callOptions(req);
    const key = idempotencyKey(req.headers["idempotency-key"]);
    const metadata: Metadata = key === undefined ? options.metadata ?? {} : { ...options.metadata, [IDEMPOTENCY_KEY]: key };
    // With a key, the orders service answers a repeat with the first order: safe to retry on another node.
    return forward(reply, client.callEncoded("orders", "OrdersService.Create", req.body, { ...options, metadata, idempotent: key !== undefined }), 201);
  });

  app.get("/orders", { schema: { querystring: OrdersQuery } }, async (req, reply) => {
    const { user_id, limit, offset } = req.query;
    const page = { user_id: num(user_id), limit: num(limit), offset: num(offset) };
    return forward(reply, client.callEncoded("orders", "OrdersService.List", page, callOptions(req)));
  });

  app.get("/orders/:id", { schema: { params: IdParams } }, async (req, reply) =>
    forward(reply, client.callEncoded("orders", "OrdersService.Get", { id: Number(req.params.id) }, callOptions(req))),
  );

  app.post("/orders/:id/cancel", { schema: { params: IdParams } }, async (req, reply) =>
    forward(reply, client.callEncoded("orders", "OrdersService.Cancel", { id: Number(req.params.id) }, callOptions(req))),
  );
}

/** Visible ASCII, as the IETF Idempotency-Key draft and Stripe take it; bounded so it fits a key column. */
const KEY = /^[\x21-\x7e]{1,255}$/;

function idempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !KEY.test(value)) {
    throw badRequest(GATEWAY_ID, "idempotency-key: must be 1 to 255 visible ASCII characters");
  }
  return value;
}
