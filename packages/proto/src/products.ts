/**
 * The products service contract.
 */
import { Type, type Static } from "@sinclair/typebox";
import { defineService } from "@gw/micro";
import { ADMIN_ROLE } from "./access.js";
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
    Get: {
      request: Type.Object({ id: Id }, strict),
      response: ProductReply,
      idempotent: true,
      http: [{ method: "GET", path: "/products", when: ["id"] }, { method: "GET", path: "/products/{id}" }],
      auth: "authenticated",
      summary: "Reads one product",
      examples: [{ request: { id: 100 }, response: { product: { id: 100, name: "Widget", price: 9.99, stock: 100 } } }],
    },
    List: {
      request: Type.Object({ limit: Type.Optional(Limit), offset: Type.Optional(Offset) }, strict),
      response: Type.Object({ products: Type.Array(Product) }),
      idempotent: true,
      http: [{ method: "GET", path: "/products" }],
      auth: "authenticated",
      summary: "Lists products in id order",
    },
    Create: {
      request: Type.Object({ name: ProductName, price: Money, stock: Type.Optional(Stock) }, strict),
      response: ProductReply,
      http: [{ method: "POST", path: "/products", status: 201 }],
      auth: { role: ADMIN_ROLE },
      summary: "Creates a product",
      description: "Prices have at most two decimals; stock defaults to 0.",
      examples: [{ request: { name: "Widget", price: 9.99, stock: 100 } }],
    },
    Update: {
      // At least one field besides the id: a patch that changes nothing is a mistake.
      request: Type.Object(
        { id: Id, name: Type.Optional(ProductName), price: Type.Optional(Money), stock: Type.Optional(Stock) },
        { ...strict, minProperties: 2 },
      ),
      response: ProductReply,
      http: [{ method: "PATCH", path: "/products/{id}" }],
      auth: { role: ADMIN_ROLE },
      summary: "Changes a product's name, price or stock",
      examples: [{ request: { id: 100, price: 8.5 } }],
    },
    Delete: {
      request: Type.Object({ id: Id }, strict),
      response: Empty,
      http: [{ method: "DELETE", path: "/products/{id}" }],
      auth: { role: ADMIN_ROLE },
      summary: "Deletes a product",
    },
  },
});
