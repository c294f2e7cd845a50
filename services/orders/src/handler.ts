/**
 * OrdersService: the seed's handler. `Create` verifies the user and the product over RPC (the
 * orders database holds neither) before it inserts, once per Idempotency-Key when one is given.
 * With auth on, a non-admin only sees and changes its own orders, decided on the account its
 * call credential vouches for: the gateway cannot check that for an order id, only this service
 * knows whose order it is.
 */
import { type Client, type CallContext, type HandlerOf, type RequestOf, conflict, forbidden, isMicroError, notFound, unprocessable } from "@gw/micro";
import { type AppReason, IDEMPOTENCY_KEY, DEFAULT_LIST_LIMIT, type Order, type orders, type products, type users } from "@gw/proto";
import { type Actor, actorOf, mayActFor } from "./access.js";
import { KeyReusedError } from "./idempotency.js";
import type { OrderStore } from "./store.js";

const ID = "orders";
const NOT_FOUND = { reason: "order_not_found" } as const;
const FORBIDDEN = { reason: "forbidden" } as const;

type Api = HandlerOf<typeof orders>;
type Req<K extends keyof Api> = RequestOf<typeof orders, K>;

export type OrdersClient = Client<readonly [typeof users, typeof products]>;

export interface OrdersServiceOptions {
  /** Whether calls arrive with verified accounts (`AUTH`); off, every caller may do anything. */
  readonly authEnabled: boolean;
}

export class OrdersService implements Api {
  constructor(
    private readonly store: OrderStore,
    private readonly client: OrdersClient,
    private readonly options: OrdersServiceOptions,
  ) {}

  async Create({ user_id, product_id, amount }: Req<"Create">, context: CallContext) {
    const actor = this.actor(context);
    if (!mayActFor(actor, user_id)) throw forbidden(ID, "not allowed to create orders for another user", FORBIDDEN);
    const key = context.metadata[IDEMPOTENCY_KEY];
    const id = key === undefined ? undefined : { scope: actor.kind === "user" ? actor.userId : "anyone", key };
    return reusedKeyIsConflict(async () => {
      const answered = id && (await this.store.answered(user_id, product_id, amount, id, context));
      if (answered) return { order: answered };
      await Promise.all([
        mustExist(this.client.call("users", "UsersService.Get", { id: user_id }, { context }), `user ${user_id}`, "user_not_found"),
        mustExist(this.client.call("products", "ProductsService.Get", { id: product_id }, { context }), `product ${product_id}`, "product_not_found"),
      ]);
      const order = id
        ? await this.store.createOnce(user_id, product_id, amount, id, context)
        : await this.store.create(user_id, product_id, amount, context);
      return { order };
    });
  }

  async Get({ id }: Req<"Get">, context: CallContext) {
    return { order: await this.owned(id, context) };
  }

  async List({ user_id, limit, offset }: Req<"List">, context: CallContext) {
    const actor = this.actor(context);
    if (actor.kind === "user" && user_id === undefined) throw forbidden(ID, "user_id: is required to list orders", { reason: "user_id_required" });
    if (user_id !== undefined && !mayActFor(actor, user_id)) throw forbidden(ID, "not allowed to list another user's orders", FORBIDDEN);
    return { orders: await this.store.list(user_id, limit ?? DEFAULT_LIST_LIMIT, offset ?? 0, context) };
  }

  async Cancel({ id }: Req<"Cancel">, context: CallContext) {
    await this.owned(id, context);
    const cancelled = await this.store.cancel(id, context);
    if (cancelled) return { order: cancelled };
    const order = await this.store.get(id, context);
    if (!order) throw notFound(ID, `order ${id} not found`, NOT_FOUND);
    throw conflict(ID, `order ${id} is ${order.status}; only pending orders can be cancelled`, { reason: "order_not_cancellable" });
  }

  /**
   * The order, when it exists and the caller may see it. Another user's order is "not found",
   * exactly as a missing one, so order ids cannot be probed for existence.
   */
  private async owned(id: number, context: CallContext): Promise<Order> {
    // The caller first: without a credential the answer is 401 whether or not the order exists.
    const actor = this.actor(context);
    const order = await this.store.get(id, context);
    if (!order || !mayActFor(actor, order.user_id)) throw notFound(ID, `order ${id} not found`, NOT_FOUND);
    return order;
  }

  private actor(context: CallContext): Actor {
    return actorOf(context.account, this.options.authEnabled);
  }
}

/** A 404 from the owner of the referenced record makes the order unprocessable (422). */
async function mustExist(lookup: Promise<unknown>, what: string, reason: AppReason): Promise<void> {
  try {
    await lookup;
  } catch (error) {
    if (isMicroError(error) && error.code === 404) throw unprocessable(ID, `${what} not found`, { reason });
    throw error;
  }
}

async function reusedKeyIsConflict<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof KeyReusedError) throw conflict(ID, error.message, { reason: "idempotency_key_reused" });
    throw error;
  }
}
