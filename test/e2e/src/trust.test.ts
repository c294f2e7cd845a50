/**
 * No way around the gateway: with AUTH on, a process on the same machine that reaches the
 * services' ports with the project's own client, but holds no credential, is refused by every
 * service, whatever identity its metadata claims. The five calls an attacker made before services
 * verified their callers are replayed here, as is a credential signed with a guessed secret.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  CachedRegistry,
  Client,
  LocalRegistry,
  MicroError,
  RoundRobinSelector,
  TcpTransport,
  type CallWrapper,
  clientAuth,
  createCredentialSigner,
} from "@gw/micro";
import { System } from "./harness.js";
import { send } from "./http.js";
import { mintToken } from "./tokens.js";

const JWT_SECRET = "trust-suite-jwt-secret-at-least-32-bytes";
const CALL_SECRET = "trust-suite-call-secret-at-least-32-bytes";

type Json = Record<string, unknown>;

describe("trust - services verify their callers", () => {
  let system: System;
  let registry: LocalRegistry;
  const clients: Array<Client<readonly []>> = [];
  let orderId: number;

  /** A client on the system's own registry and transport, as any local process could build. */
  const attacker = (wrappers: readonly CallWrapper[] = []): Client<readonly []> => {
    const client = new Client({ contracts: [] as const, selector: new RoundRobinSelector(new CachedRegistry(registry)), transport: new TcpTransport().client(), wrappers });
    clients.push(client);
    return client;
  };

  before(async () => {
    system = await System.start({ env: { AUTH: "on", AUTH_JWT_SECRET: JWT_SECRET, MICRO_AUTH_SECRET: CALL_SECRET } });
    registry = new LocalRegistry({ directory: join(system.dir, "registry") });
    const token = await mintToken(JWT_SECRET, "1", "customer");
    const created = await send(system.url, "POST", "/orders", { user_id: 1, product_id: 100, amount: 5 }, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(created.status, 201, created.text);
    orderId = ((created.body as Json).order as Json).id as number;
  });
  after(async () => {
    for (const client of clients) await client.close();
    await registry?.close();
    await system?.close();
  });

  async function refused(call: Promise<unknown>, service: string, reason: "credential_required" | "credential_invalid"): Promise<void> {
    await assert.rejects(call, (error: unknown) => {
      assert.ok(error instanceof MicroError, String(error));
      assert.deepEqual([error.code, error.id, error.status, error.reason], [401, service, "Unauthorized", reason], error.detail);
      return true;
    });
  }

  test("trust - the five bypass calls without a credential are 401, forged identity metadata or not", async () => {
    const client = attacker();
    const forged = { metadata: { "user-id": "1", "user-roles": "admin" } };
    const none = "credential_required";
    await refused(client.callRaw("orders", "OrdersService.Get", { id: orderId }), "orders", none);
    await refused(client.callRaw("orders", "OrdersService.Cancel", { id: orderId }, { metadata: { "user-id": "1" } }), "orders", none);
    await refused(client.callRaw("orders", "OrdersService.List", { user_id: 1 }, { metadata: { "user-roles": "admin" } }), "orders", none);
    await refused(client.callRaw("products", "ProductsService.Update", { id: 100, price: 0.01 }, forged), "products", none);
    await refused(client.callRaw("users", "UsersService.Delete", { id: 2 }, forged), "users", none);
  });

  test("trust - a credential signed with a guessed secret is refused", async () => {
    const guessed = createCredentialSigner({ issuer: "gateway", secret: new TextEncoder().encode("a-guess-at-the-secret-that-is-32-bytes!!") });
    const client = attacker([clientAuth(guessed)]);
    await refused(client.callRaw("users", "UsersService.Delete", { id: 2 }, { account: { id: "ops", roles: ["admin"] } }), "users", "credential_invalid");
  });

  test("trust - nothing the refused calls tried was done", async () => {
    const admin = { headers: { authorization: `Bearer ${await mintToken(JWT_SECRET, "ops", "admin")}` } };
    const order = await send(system.url, "GET", `/orders/${orderId}`, undefined, admin);
    assert.equal(((order.body as Json).order as Json).status, "pending");
    const product = await send(system.url, "GET", "/products/100", undefined, admin);
    assert.notEqual(((product.body as Json).product as Json).price, 0.01);
    assert.equal((await send(system.url, "GET", "/users/2", undefined, admin)).status, 200);
  });

  test("trust - through the gateway, the same calls work for whom the token names", async () => {
    const user = { headers: { authorization: `Bearer ${await mintToken(JWT_SECRET, "1", "customer")}` } };
    assert.equal((await send(system.url, "GET", `/orders/${orderId}`, undefined, user)).status, 200);
    assert.equal((await send(system.url, "GET", "/orders?user_id=1", undefined, user)).status, 200);
    const cancelled = await send(system.url, "POST", `/orders/${orderId}/cancel`, undefined, user);
    assert.equal(((cancelled.body as Json).order as Json).status, "cancelled", cancelled.text);
  });
});
