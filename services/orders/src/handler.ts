/**
 * OrdersService: the seed's handler. `Create` verifies the user and the product over RPC
 * (the orders database holds neither) before it inserts.
 */
import { type Client, type HandlerContext, type HandlerOf, type RequestOf, conflict, isMicroError, notFound, unprocessable } from "@gw/micro";
import { DEFAULT_LIST_LIMIT, type orders, type products, type users } from "@gw/proto";
import type { OrderStore } from "./store.js";

const ID = "orders";

type Api = HandlerOf<typeof orders>;
type Req<K extends keyof Api> = RequestOf<typeof orders, K>;

export type OrdersClient = Client<readonly [typeof users, typeof products]>;

export class OrdersService implements Api {
  constructor(
    private readonly store: OrderStore,
    private readonly client: OrdersClient,
  ) {}

  async Create({ user_id, product_id, amount }: Req<"Create">, context: HandlerContext) {
    await Promise.all([
      mustExist(this.client.call("users", "UsersService.Get", { id: user_id }, { context }), `user ${user_id}`),
      mustExist(this.client.call("products", "ProductsService.Get", { id: product_id }, { context }), `product ${product_id}`),
    ]);
    return { order: await this.store.create(user_id, product_id, amount) };
  }

  async Get({ id }: Req<"Get">) {
    const order = await this.store.get(id);
    if (!order) throw notFound(ID, `order ${id} not found`);
    return { order };
  }

  async List({ user_id, limit, offset }: Req<"List">) {
    return { orders: await this.store.list(user_id, limit ?? DEFAULT_LIST_LIMIT, offset ?? 0) };
  }

  async Cancel({ id }: Req<"Cancel">) {
    const cancelled = await this.store.cancel(id);
    if (cancelled) return { order: cancelled };
    const order = await this.store.get(id);
    if (!order) throw notFound(ID, `order ${id} not found`);
    throw conflict(ID, `order ${id} is ${order.status}; only pending orders can be cancelled`);
  }
}

/** A 404 from the owner of the referenced record makes the order unprocessable (422). */
async function mustExist(lookup: Promise<unknown>, what: string): Promise<void> {
  try {
    await lookup;
  } catch (error) {
    if (isMicroError(error) && error.code === 404) throw unprocessable(ID, `${what} not found`);
    throw error;
  }
}
