/**
 * What the orders service guarantees beyond the contract, on both databases: an Idempotency-Key
 * makes a create happen once (a retry returns the first answer, concurrent duplicates create one
 * order, another body with the same key is a 409), and an authenticated non-admin caller only
 * creates, reads, lists and cancels its own orders (the identity arrives in call metadata).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { pgliteKind, postgresKind } from "@gw/database/testing";
import { type HandlerContext, IDEMPOTENCY_KEY, USER_ID, USER_ROLES } from "@gw/micro";
import { handlerTesting } from "@gw/micro/testing";
import { type Open, suiteOf } from "./testing.js";

const { context, rejectsWith } = handlerTesting("orders", "OrdersService");

function withMetadata(endpoint: string, metadata: Record<string, string>): HandlerContext {
  return { ...context(endpoint), metadata };
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
    await rejectsWith(f.handler.Create({ user_id: 1, product_id: 100, amount: 11 }, ctx), 409, /already used with a different request/);
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
    const as = (user: string) => withMetadata("Create", { [IDEMPOTENCY_KEY]: `shared-${kind}`, [USER_ID]: user, [USER_ROLES]: "" });
    const one = await f.handler.Create({ user_id: 1, product_id: 100, amount: 1 }, as("1"));
    const two = await f.handler.Create({ user_id: 2, product_id: 100, amount: 1 }, as("2"));
    assert.notEqual(one.order.id, two.order.id);
  });
}

function ownershipCases(kind: string, open: Open): void {
  test(`orders - a user creates, reads, lists and cancels only its own orders; an admin any (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const user = (endpoint: string) => withMetadata(endpoint, { [USER_ID]: "3", [USER_ROLES]: "user" });
    const admin = (endpoint: string) => withMetadata(endpoint, { [USER_ID]: "99", [USER_ROLES]: "user,admin" });
    const own = await f.handler.Create({ user_id: 3, product_id: 100, amount: 2 }, user("Create"));
    const other = await f.handler.Create({ user_id: 1, product_id: 100, amount: 2 }, admin("Create"));
    await rejectsWith(f.handler.Create({ user_id: 1, product_id: 100, amount: 2 }, user("Create")), 403, /another user/);
    assert.deepEqual(await f.handler.Get({ id: own.order.id }, user("Get")), own);
    await rejectsWith(f.handler.Get({ id: other.order.id }, user("Get")), 403, /not allowed/);
    assert.ok((await f.handler.List({ user_id: 3 }, user("List"))).orders.every((o) => o.user_id === 3));
    await rejectsWith(f.handler.List({ user_id: 1 }, user("List")), 403, /another user/);
    await rejectsWith(f.handler.List({}, user("List")), 403, /user_id/);
    await rejectsWith(f.handler.Cancel({ id: other.order.id }, user("Cancel")), 403, /not allowed/);
    assert.equal((await f.handler.Get({ id: other.order.id }, admin("Get"))).order.status, "pending", "a refused cancel changed nothing");
    assert.equal((await f.handler.Cancel({ id: own.order.id }, user("Cancel"))).order.status, "cancelled");
    assert.equal((await f.handler.Cancel({ id: other.order.id }, admin("Cancel"))).order.status, "cancelled");
  });
}

for (const kind of [pgliteKind(), postgresKind()]) {
  const open = suiteOf(kind);
  idempotencyCases(kind.name, open);
  ownershipCases(kind.name, open);
}
