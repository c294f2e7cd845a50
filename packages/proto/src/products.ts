/**
 * The products service contract.
 */
import { Type, type Static } from "@sinclair/typebox";
import { defineService } from "@gw/micro";
import { Empty, Id, Limit, Money, Offset, Text, strict } from "./common.js";

export const ProductName = Text({ minLength: 1, maxLength: 200 });
export const Stock = Type.Integer({ minimum: 0, maximum: 2_147_483_647 });

export const Product = Type.Object({ id: Id, name: ProductName, price: Money, stock: Stock });
export type Product = Static<typeof Product>;

export const ProductReply = Type.Object({ product: Product });

export const products = defineService({
  name: "products",
  handler: "ProductsService",
  endpoints: {
    Get: { request: Type.Object({ id: Id }, strict), response: ProductReply, idempotent: true },
    List: {
      request: Type.Object({ limit: Type.Optional(Limit), offset: Type.Optional(Offset) }, strict),
      response: Type.Object({ products: Type.Array(Product) }),
      idempotent: true,
    },
    Create: {
      request: Type.Object({ name: ProductName, price: Money, stock: Type.Optional(Stock) }, strict),
      response: ProductReply,
    },
    Update: {
      request: Type.Object(
        { id: Id, name: Type.Optional(ProductName), price: Type.Optional(Money), stock: Type.Optional(Stock) },
        strict,
      ),
      response: ProductReply,
    },
    Delete: { request: Type.Object({ id: Id }, strict), response: Empty },
  },
});
