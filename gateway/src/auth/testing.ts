/**
 * What the auth tests stand on: the three contracts served by real `Server`s over real HTTP
 * transports, registered in a `MemoryRegistry` and called through a real `Client`, with signed
 * call credentials on both sides, so a request crosses the gateway and the wire exactly as in
 * production. Only storage is a stand-in: tiny
 * in-memory handlers, as the subject under test is the gateway's auth, not the services.
 * Also the assertions for the gateway's 401 and 403 answers.
 */
import assert from "node:assert/strict";
import type { LightMyRequestResponse } from "fastify";
import { type Account, type CallContext, type HandlerOf, type Listener, type Metadata, Client, MemoryRegistry, RoundRobinSelector, Server, type ServiceContract, clientAuth, createCredentialSigner, createCredentialVerifier, notFound, serverAuth } from "@gw/micro";
import { HttpTransport } from "@gw/micro/http";
import { type AppReason, type Order, type Product, type User, orders, products, users } from "@gw/proto";
import type { GatewayClient } from "../context.js";

/** One call as a handler saw it. */
export interface SeenCall {
  readonly endpoint: string;
  readonly metadata: Metadata;
  /** The account its credential verified for. */
  readonly account: Account | undefined;
}

/** The secret the backends and the gateway's client share for call credentials. */
export const CALL_SECRET = new TextEncoder().encode("the-auth-suite-call-credential-secret-32b");

export interface Backends {
  readonly client: GatewayClient;
  readonly registry: MemoryRegistry;
  /** Every call the handlers received, oldest first. */
  readonly calls: SeenCall[];
  /** Runs inside each handler before it answers; a throw there becomes the call's 500. */
  inspect: ((call: SeenCall) => void) | undefined;
  close(): Promise<void>;
}

/** Users 1 and 2 and product 100 exist, as in the seeded demo data. */
export async function startBackends(): Promise<Backends> {
  const registry = new MemoryRegistry();
  const transport = new HttpTransport();
  const listeners: Listener[] = [];
  const backends: Backends = {
    client: new Client({
      contracts: [users, products, orders] as const,
      selector: new RoundRobinSelector(registry),
      transport: transport.client(),
      wrappers: [clientAuth(createCredentialSigner({ issuer: "gateway", secret: CALL_SECRET }))],
    }),
    registry,
    calls: [],
    inspect: undefined,
    close: async () => {
      await backends.client.close();
      for (const l of listeners) await l.close(0);
      await registry.close();
    },
  };
  const seen = (context: CallContext): void => {
    const call = { endpoint: context.endpoint, metadata: context.metadata, account: context.account };
    backends.calls.push(call);
    backends.inspect?.(call);
  };
  const verified = (name: string) => ({ name, wrappers: [serverAuth(createCredentialVerifier({ audience: name, secret: CALL_SECRET }))] });
  const servers = [
    new Server(verified("users")).handle(users, recorded(usersHandler(), seen)),
    new Server(verified("products")).handle(products, recorded(productsHandler(), seen)),
    new Server(verified("orders")).handle(orders, recorded(ordersHandler(), seen)),
  ];
  for (const server of servers) {
    const listener = await transport.listen("127.0.0.1:0", server.serve);
    listeners.push(listener);
    const node = { id: `${server.name}-test`, address: listener.address, metadata: { transport: transport.name } };
    await registry.register({ name: server.name, version: "test", endpoints: server.endpoints(), nodes: [node] }, { ttlMs: 60_000 });
  }
  return backends;
}

/**
 * Asserts a 401 in the wire shape with RFC 6750's challenge, and that the token did not leak:
 * `token_required` with a bare challenge, or `token_invalid` with a description matching `description`.
 */
export function assertUnauthorized(res: LightMyRequestResponse, description?: RegExp, token?: string): void {
  assert.equal(res.statusCode, 401, res.body);
  const body = res.json<{ id: string; code: number; status: string; detail: string; reason: string }>();
  const reason = description === undefined ? "token_required" : "token_invalid";
  assert.deepEqual([body.id, body.code, body.status, body.reason], ["gateway", 401, "Unauthorized", reason]);
  assert.doesNotMatch(body.detail, /ERR_|JWS|JWT|jose/, "jose's own words must not reach the client");
  const challenge = String(res.headers["www-authenticate"]);
  if (description === undefined) assert.equal(challenge, 'Bearer realm="gateway"');
  else assert.match(challenge, new RegExp(`^Bearer realm="gateway", error="invalid_token", error_description="${description.source}"$`));
  if (token !== undefined) assert.ok(!res.body.includes(token) && !challenge.includes(token));
  assert.ok(res.headers["x-request-id"]);
}

export function assertForbidden(res: LightMyRequestResponse): void {
  assert.equal(res.statusCode, 403, res.body);
  assert.deepEqual(Object.keys(res.json()).sort(), ["code", "detail", "id", "reason", "status"]);
  assert.deepEqual([res.json<{ id: string }>().id, res.json<{ reason: string }>().reason], ["gateway", "forbidden"]);
}

type Seen = (context: CallContext) => void;
type Method = (request: unknown, context: CallContext) => Promise<unknown>;

/** `handler` with every method reporting its context to `seen` before it runs. */
function recorded<C extends ServiceContract>(handler: HandlerOf<C>, seen: Seen): HandlerOf<C> {
  const wrapped: Record<string, Method> = {};
  for (const [name, method] of Object.entries(handler) as Array<[string, Method]>) {
    wrapped[name] = (request, context) => {
      seen(context);
      return method.call(handler, request, context);
    };
  }
  return wrapped as HandlerOf<C>;
}

function found<T>(service: string, what: string, value: T | undefined, reason: AppReason): T {
  if (value === undefined) throw notFound(service, `${what} not found`, { reason });
  return value;
}

function usersHandler(): HandlerOf<typeof users> {
  const rows = new Map<number, User>([
    [1, { id: 1, email: "ada@example.com", name: "Ada" }],
    [2, { id: 2, email: "bob@example.com", name: "Bob" }],
  ]);
  return {
    Get: async ({ id }) => ({ user: found("users", `user ${id}`, rows.get(id), "user_not_found") }),
    List: async () => ({ users: [...rows.values()] }),
    Create: async ({ email, name }) => {
      const user = { id: rows.size + 1, email, name };
      rows.set(user.id, user);
      return { user };
    },
    Update: async ({ id, ...changes }) => {
      const user = { ...found("users", `user ${id}`, rows.get(id), "user_not_found"), ...changes };
      rows.set(id, user);
      return { user };
    },
    Delete: async ({ id }) => {
      rows.delete(id);
      return {};
    },
  };
}

function productsHandler(): HandlerOf<typeof products> {
  const rows = new Map<number, Product>([[100, { id: 100, name: "Widget", price: 9.99, stock: 10 }]]);
  return {
    Get: async ({ id }) => ({ product: found("products", `product ${id}`, rows.get(id), "product_not_found") }),
    List: async () => ({ products: [...rows.values()] }),
    Create: async ({ name, price, stock }) => {
      const product = { id: 100 + rows.size, name, price, stock: stock ?? 0 };
      rows.set(product.id, product);
      return { product };
    },
    Update: async ({ id, ...changes }) => ({ product: { ...found("products", `product ${id}`, rows.get(id), "product_not_found"), ...changes } }),
    Delete: async ({ id }) => {
      rows.delete(id);
      return {};
    },
  };
}

function ordersHandler(): HandlerOf<typeof orders> {
  const rows: Order[] = [];
  const indexOf = (id: number): number => {
    const index = rows.findIndex((o) => o.id === id);
    if (index < 0) throw notFound("orders", `order ${id} not found`, { reason: "order_not_found" });
    return index;
  };
  return {
    Create: async (request) => {
      const order: Order = { id: rows.length + 1, ...request, status: "pending", created_at: new Date().toISOString() };
      rows.push(order);
      return { order };
    },
    Get: async ({ id }) => ({ order: rows[indexOf(id)] as Order }),
    List: async ({ user_id }) => ({ orders: rows.filter((o) => user_id === undefined || o.user_id === user_id) }),
    Cancel: async ({ id }) => {
      const index = indexOf(id);
      const order: Order = { ...(rows[index] as Order), status: "cancelled" };
      rows[index] = order;
      return { order };
    },
  };
}
