/**
 * The orders service contract. `Create` is the seed's `OrdersService.Create`.
 */
import { Type, type Static } from "@sinclair/typebox";
import { defineService } from "@gw/micro";
import { Id, Limit, Money, Offset, Timestamp, strict } from "./common.js";

/**
 * The metadata key that carries a client's Idempotency-Key to `OrdersService.Create`: a repeat
 * with the same key (per caller) returns the first order and creates nothing.
 */
export const IDEMPOTENCY_KEY = "idempotency-key";

export const OrderStatus = Type.Union([Type.Literal("pending"), Type.Literal("cancelled")]);

export const Order = Type.Object({
  id: Id,
  user_id: Id,
  product_id: Id,
  amount: Money,
  status: OrderStatus,
  created_at: Timestamp,
});
export type Order = Static<typeof Order>;

export const OrderReply = Type.Object({ order: Order });

export const orders = defineService({
  name: "orders",
  handler: "OrdersService",
  endpoints: {
    Create: {
      request: Type.Object({ user_id: Id, product_id: Id, amount: Money }, strict),
      response: OrderReply,
      http: [{ method: "POST", path: "/orders", status: 201 }],
      auth: { self: "user_id" },
      idempotencyKey: true,
      summary: "Places an order",
      description:
        "The user and the product must exist (422 otherwise). With an Idempotency-Key header, a repeat with the same key answers the first order and creates nothing.",
      examples: [{ request: { user_id: 1, product_id: 100, amount: 2 } }],
    },
    Get: {
      request: Type.Object({ id: Id }, strict),
      response: OrderReply,
      idempotent: true,
      http: [{ method: "GET", path: "/orders/{id}" }],
      // The gateway cannot know an order's owner; the orders service checks it on the caller's verified account.
      auth: "authenticated",
      summary: "Reads one of your orders",
    },
    List: {
      request: Type.Object(
        { user_id: Type.Optional(Id), limit: Type.Optional(Limit), offset: Type.Optional(Offset) },
        strict,
      ),
      response: Type.Object({ orders: Type.Array(Order) }),
      idempotent: true,
      http: [{ method: "GET", path: "/orders" }],
      auth: { self: "user_id" },
      summary: "Lists orders, all or one user's",
      examples: [{ request: { user_id: 1 } }],
    },
    Cancel: {
      request: Type.Object({ id: Id }, strict),
      response: OrderReply,
      http: [{ method: "POST", path: "/orders/{id}/cancel" }],
      auth: "authenticated",
      summary: "Cancels a pending order",
      description: "Cancelling an order that is not pending is a 409.",
    },
  },
});
