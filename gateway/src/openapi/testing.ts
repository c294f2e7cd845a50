/**
 * The real contracts as routes, with the HTTP bindings, auth rules and docs of the gateway's API
 * (the README's table) added here, as the services will declare them in their contracts. For the
 * tests of the OpenAPI document and `/docs`.
 */
import { type AuthRule, type Endpoint, type EndpointExample, type HttpBinding, type ServiceContract, endpointsOf } from "@gw/micro";
import { orders, products, users } from "@gw/proto";
import type { Route } from "../catalog/route.js";

interface Declared {
  readonly http: readonly HttpBinding[];
  readonly auth: AuthRule;
  readonly summary: string;
  readonly description?: string;
  readonly examples?: readonly EndpointExample[];
  readonly idempotencyKey?: boolean;
}

const alice = { id: 1, email: "alice@example.com", name: "Alice" };
const widget = { id: 100, name: "Widget", price: 99.99, stock: 5 };
const order = { id: 1, user_id: 1, product_id: 100, amount: 99.99, status: "pending", created_at: "2026-11-24T01:09:45.339Z" };

const CATALOG: readonly [ServiceContract, Readonly<Record<string, Declared>>][] = [
  [
    users,
    {
      Get: {
        http: [
          { method: "GET", path: "/users", when: ["id"] },
          { method: "GET", path: "/users/{id}" },
        ],
        auth: { self: "id" },
        summary: "Get a user",
        examples: [{ summary: "Alice", request: { id: 1 }, response: { user: alice } }],
      },
      List: {
        http: [{ method: "GET", path: "/users" }],
        auth: { role: "admin" },
        summary: "List users",
        description: "In id order.",
        examples: [{ request: { limit: 2, offset: 0 }, response: { users: [alice] } }],
      },
      Create: {
        http: [{ method: "POST", path: "/users", status: 201 }],
        auth: { role: "admin" },
        summary: "Create a user",
        examples: [{ summary: "Alice", request: { email: alice.email, name: alice.name }, response: { user: alice } }],
      },
      Update: {
        http: [{ method: "PATCH", path: "/users/{id}" }],
        auth: { self: "id" },
        summary: "Change a user",
        examples: [{ summary: "Rename", request: { id: 1, name: "Alice B." }, response: { user: { ...alice, name: "Alice B." } } }],
      },
      Delete: { http: [{ method: "DELETE", path: "/users/{id}", status: 204 }], auth: { role: "admin" }, summary: "Delete a user" },
    },
  ],
  [
    products,
    {
      Get: {
        http: [
          { method: "GET", path: "/products", when: ["id"] },
          { method: "GET", path: "/products/{id}" },
        ],
        auth: "authenticated",
        summary: "Get a product",
      },
      List: { http: [{ method: "GET", path: "/products" }], auth: "authenticated", summary: "List products" },
      Create: {
        http: [{ method: "POST", path: "/products", status: 201 }],
        auth: { role: "admin" },
        summary: "Create a product",
        examples: [{ request: { name: widget.name, price: widget.price, stock: widget.stock }, response: { product: widget } }],
      },
      Update: { http: [{ method: "PATCH", path: "/products/{id}" }], auth: { role: "admin" }, summary: "Change a product" },
      Delete: { http: [{ method: "DELETE", path: "/products/{id}", status: 204 }], auth: { role: "admin" }, summary: "Delete a product" },
    },
  ],
  [
    orders,
    {
      Create: {
        http: [{ method: "POST", path: "/orders", status: 201 }],
        auth: { self: "user_id" },
        summary: "Place an order",
        description: "The user and the product must exist (422 otherwise).",
        idempotencyKey: true,
        examples: [{ summary: "The seed's order", request: { user_id: 1, product_id: 100, amount: 99.99 }, response: { order } }],
      },
      List: {
        http: [{ method: "GET", path: "/orders" }],
        auth: { self: "user_id" },
        summary: "List orders",
        examples: [{ request: { user_id: 1, limit: 10 }, response: { orders: [order] } }],
      },
      Get: { http: [{ method: "GET", path: "/orders/{id}" }], auth: "authenticated", summary: "Get an order" },
      Cancel: { http: [{ method: "POST", path: "/orders/{id}/cancel" }], auth: "authenticated", summary: "Cancel an order" },
    },
  ],
];

/** Every route of the three services, in contract order. */
export function contractRoutes(): Route[] {
  const routes: Route[] = [];
  for (const [contract, declared] of CATALOG) {
    for (const plain of endpointsOf(contract)) {
      const short = plain.name.slice(plain.name.indexOf(".") + 1);
      const { http, ...docs } = declared[short] ?? missing(plain.name);
      const endpoint: Endpoint = { ...plain, metadata: { ...plain.metadata, ...docs, http } };
      for (const binding of http) routes.push({ service: contract.name, endpoint, binding });
    }
  }
  return routes;
}

function missing(name: string): never {
  throw new Error(`${name} has no HTTP binding in the test catalog`);
}
