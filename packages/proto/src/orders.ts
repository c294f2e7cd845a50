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
    Create: { request: Type.Object({ user_id: Id, product_id: Id, amount: Money }, strict), response: OrderReply },
    Get: { request: Type.Object({ id: Id }, strict), response: OrderReply, idempotent: true },
    List: {
      request: Type.Object(
        { user_id: Type.Optional(Id), limit: Type.Optional(Limit), offset: Type.Optional(Offset) },
        strict,
      ),
      response: Type.Object({ orders: Type.Array(Order) }),
      idempotent: true,
    },
    Cancel: { request: Type.Object({ id: Id }, strict), response: OrderReply },
  },
});
