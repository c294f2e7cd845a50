/**
 * ProductsService: the handler whose methods are the products endpoints.
 */
import { type CallContext, type HandlerOf, type RequestOf, badRequest, notFound } from "@gw/micro";
import { DEFAULT_LIST_LIMIT, type Product, type products } from "@gw/proto";
import type { ProductStore } from "./store.js";

const ID = "products";
const NOT_FOUND = { reason: "product_not_found" } as const;

type Api = HandlerOf<typeof products>;
type Req<K extends keyof Api> = RequestOf<typeof products, K>;

export class ProductsService implements Api {
  constructor(private readonly store: ProductStore) {}

  async Get({ id }: Req<"Get">, context: CallContext) {
    return { product: found(id, await this.store.get(id, context)) };
  }

  async List({ limit, offset }: Req<"List">, context: CallContext) {
    return { products: await this.store.list(limit ?? DEFAULT_LIST_LIMIT, offset ?? 0, context) };
  }

  async Create({ name, price, stock }: Req<"Create">, context: CallContext) {
    return { product: await this.store.create(name, price, stock ?? 0, context) };
  }

  async Update({ id, ...changes }: Req<"Update">, context: CallContext) {
    if (changes.name === undefined && changes.price === undefined && changes.stock === undefined) {
      throw badRequest(ID, "body: at least one of name, price, stock is required", { reason: "nothing_to_update" });
    }
    return { product: found(id, await this.store.update(id, changes, context)) };
  }

  async Delete({ id }: Req<"Delete">, context: CallContext) {
    if (!(await this.store.delete(id, context))) throw notFound(ID, `product ${id} not found`, NOT_FOUND);
    return {};
  }
}

function found(id: number, product: Product | undefined): Product {
  if (!product) throw notFound(ID, `product ${id} not found`, NOT_FOUND);
  return product;
}
