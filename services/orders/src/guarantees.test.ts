/**
 * What the orders service guarantees beyond the contract, on both databases: an Idempotency-Key
 * makes a create happen once (a retry returns the first answer, concurrent duplicates create one
 * order, another body with the same key is a 409), and an authenticated non-admin caller only
 * creates, reads, lists and cancels its own orders, by the account its verified credential names
 * (another user's order is "not found", as a missing one is).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { pgliteKind, postgresKind } from "@gw/database/testing";
import { type CallContext } from "@gw/micro";
import { IDEMPOTENCY_KEY } from "@gw/proto";
import { handlerTesting } from "@gw/micro/testing";
import { OrdersService } from "./handler.js";
import { type Open, suiteOf } from "./testing.js";

const { context, rejectsWith } = handlerTesting("orders", "OrdersService");

function withMetadata(endpoint: string, metadata: Record<string, string>): CallContext {
  return { ...context(endpoint), metadata };
}

/** The context of a call whose credential verified for user `id` with `roles`, signed by the gateway. */
function as(id: string, roles: string[], endpoint: string, metadata: Record<string, string> = {}): CallContext {
  return { ...context(endpoint), metadata, account: { id, roles, issuer: "gateway" } };
}

async function orderCount(open: Awaited<ReturnType<Open>>): Promise<number> {
  const [row] = (await open?.db.query<{ n: number }>("SELECT count(*) AS n FROM orders")) ?? [];
  return row?.n ?? -1;
}

function idempotencyCases(kind: string, open: Open): void {
  test(`orders - a repeated Idempotency-Key returns the first order and creates nothing (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const ctx = withMetadata("Create", { [IDEMPOTENCY_KEY]: `retry-${kind}` });
    const first = await f.handler.Create({ user_id: 1, product_id: 100, amount: 10 }, ctx);
    const before = await orderCount(f);
    const again = await f.handler.Create({ user_id: 1, product_id: 100, amount: 10 }, ctx);
    assert.deepEqual(again, first);
    assert.equal(await orderCount(f), before);
    await f.handler.Cancel({ id: first.order.id }, context("Cancel"));
    assert.deepEqual(await f.handler.Create({ user_id: 1, product_id: 100, amount: 10 }, ctx), first, "the first answer, as it was");
  });

  test(`orders - the same key with a different body is a 409 and changes nothing (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const ctx = withMetadata("Create", { [IDEMPOTENCY_KEY]: `reuse-${kind}` });
    await f.handler.Create({ user_id: 1, product_id: 100, amount: 10 }, ctx);
    const before = await orderCount(f);
    await rejectsWith(f.handler.Create({ user_id: 1, product_id: 100, amount: 11 }, ctx), 409, "idempotency_key_reused");
    assert.equal(await orderCount(f), before);
  });

  test(`orders - 20 concurrent creates with one key make one order (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const ctx = withMetadata("Create", { [IDEMPOTENCY_KEY]: `race-${kind}` });
    const before = await orderCount(f);
    const answers = await Promise.all(Array.from({ length: 20 }, () => f.handler.Create({ user_id: 2, product_id: 101, amount: 3 }, ctx)));
    assert.equal(new Set(answers.map((a) => a.order.id)).size, 1);
    assert.equal(await orderCount(f), before + 1);
  });

  test(`orders - keys are per caller: two users' equal keys do not collide (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const handler = new OrdersService(f.store, f.peers.client, { authEnabled: true });
    const key = { [IDEMPOTENCY_KEY]: `shared-${kind}` };
    const one = await handler.Create({ user_id: 1, product_id: 100, amount: 1 }, as("1", [], "Create", key));
    const two = await handler.Create({ user_id: 2, product_id: 100, amount: 1 }, as("2", [], "Create", key));
    assert.notEqual(one.order.id, two.order.id);
  });
}

function ownershipCases(kind: string, open: Open): void {
  test(`orders - a user creates, reads, lists and cancels only its own orders; an admin any (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const handler = new OrdersService(f.store, f.peers.client, { authEnabled: true });
    const user = (endpoint: string) => as("3", ["user"], endpoint);
    const admin = (endpoint: string) => as("99", ["user", "admin"], endpoint);
    const own = await handler.Create({ user_id: 3, product_id: 100, amount: 2 }, user("Create"));
    const other = await handler.Create({ user_id: 1, product_id: 100, amount: 2 }, admin("Create"));
    await rejectsWith(handler.Create({ user_id: 1, product_id: 100, amount: 2 }, user("Create")), 403, "forbidden");
    assert.deepEqual(await handler.Get({ id: own.order.id }, user("Get")), own);
    await rejectsWith(handler.Get({ id: other.order.id }, user("Get")), 404, "order_not_found");
    await rejectsWith(handler.Get({ id: 999_999 }, user("Get")), 404, "order_not_found");
    assert.ok((await handler.List({ user_id: 3 }, user("List"))).orders.every((o) => o.user_id === 3));
    await rejectsWith(handler.List({ user_id: 1 }, user("List")), 403, "forbidden");
    await rejectsWith(handler.List({}, user("List")), 403, "user_id_required", /user_id/);
    await rejectsWith(handler.Cancel({ id: other.order.id }, user("Cancel")), 404, "order_not_found");
    assert.equal((await handler.Get({ id: other.order.id }, admin("Get"))).order.status, "pending", "a refused cancel changed nothing");
    assert.equal((await handler.Cancel({ id: own.order.id }, user("Cancel"))).order.status, "cancelled");
    assert.equal((await handler.Cancel({ id: other.order.id }, admin("Cancel"))).order.status, "cancelled");
  });

  test(`orders - with auth on, a call with no verified account is refused, whatever its metadata says (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const handler = new OrdersService(f.store, f.peers.client, { authEnabled: true });
    const forged = withMetadata("Get", { "user-id": "1", "user-roles": "admin" });
    const { order } = await f.handler.Create({ user_id: 1, product_id: 100, amount: 5 }, context("Create"));
    await rejectsWith(handler.Get({ id: order.id }, forged), 401, "credential_required");
    // A missing order too: a 404 would tell a caller without a credential which ids exist.
    await rejectsWith(handler.Get({ id: order.id + 1 }, forged), 401, "credential_required");
    await rejectsWith(handler.Cancel({ id: order.id + 1 }, forged), 401, "credential_required");
    await rejectsWith(handler.List({}, forged), 401, "credential_required");
  });
}

for (const kind of [pgliteKind(), postgresKind()]) {
  const open = suiteOf(kind);
  idempotencyCases(kind.name, open);
  ownershipCases(kind.name, open);
}
