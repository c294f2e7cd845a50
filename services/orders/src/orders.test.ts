/**
 * The orders store and handler on both databases the service runs on: PGlite (the embedded
 * default) and real PostgreSQL (`DATABASE_URL`). One behaviour suite runs once per kind, on the
 * service's real migrations.
 *
 * `Create` checks the user and the product over real RPC: the real users and products handlers,
 * each on its own database of the suite's kind, are served by real `Server`s on HTTP sockets and
 * found through a `MemoryRegistry`, exactly as the orders program reaches them (see testing.ts).
 *
 * Each test gets an orders database of its own (a copy of one prepared once per kind, since a
 * PGlite first start costs seconds) and peers started afresh, so no test sees another's orders or
 * a peer another took down (see testing.ts).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DataError, type Database } from "@gw/database";
import { pgliteKind, postgresKind } from "@gw/database/testing";
/** Errors from any of the three services are checked here, so `rejectsWith` takes the id. */
import { Server, type WireError, isMicroError } from "@gw/micro";
import { handlerTesting, rejectsWithMicroError as rejectsWith } from "@gw/micro/testing";
import { IDEMPOTENCY_KEY, orders } from "@gw/proto";
import type { Order } from "@gw/proto";
import { type Open, suiteOf } from "./testing.js";

/** `Date.prototype.toISOString`: RFC 3339 in UTC, milliseconds, a trailing Z. */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** No demo row has this id, in any of the three services. */
const MISSING = 424_242;

/** Calls the handler with the context its server would give. */
const { context } = handlerTesting("orders", "OrdersService");

async function count(db: Database): Promise<number> {
  const [row] = await db.query<{ n: number }>("SELECT count(*) AS n FROM orders");
  return row?.n ?? -1;
}

/** Sets an order's creation time, so ordering by time can be tested apart from ordering by id. */
async function createdAt(db: Database, id: number, at: string): Promise<void> {
  await db.query("UPDATE orders SET created_at = $2 WHERE id = $1", [id, at]);
}

function ids(list: readonly Order[]): number[] {
  return list.map((order) => order.id);
}

function storeCases(kind: string, open: Open): void {
  test(`orders - the store creates and gets orders with numeric ids and amounts and UTC times (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const order = await f.store.create(11, 100, 12.34);
    const { id, created_at, ...fields } = order;
    assert.equal(typeof id, "number");
    assert.deepEqual(fields, { user_id: 11, product_id: 100, amount: 12.34, status: "pending" });
    assert.match(created_at, ISO_UTC);
    assert.ok(Math.abs(Date.parse(created_at) - Date.now()) < 60_000, `created_at ${created_at} is not now`);
    assert.deepEqual(await f.store.get(order.id), order);
    assert.deepEqual(await f.handler.Get({ id: order.id }, context("Get")), { order });
    assert.equal(await f.store.get(MISSING), undefined);
    await rejectsWith(f.handler.Get({ id: MISSING }, context("Get")), "orders", 404, "order_not_found");
  });

  test(`orders - lists are newest first, equal times by id descending, by user or for all (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const [a, b, c, d] = await Promise.all([1, 2, 3, 4].map(() => f.store.create(21, 100, 5)));
    const other = await f.store.create(22, 101, 6);
    assert.ok(a && b && c && d);
    await createdAt(f.db, a.id, "2100-01-01T00:00:02.000Z");
    await createdAt(f.db, b.id, "2100-01-01T00:00:01.000Z");
    await createdAt(f.db, c.id, "2100-01-01T00:00:01.000Z");
    await createdAt(f.db, d.id, "2100-01-01T00:00:00.000Z");
    const [first, second] = b.id < c.id ? [c, b] : [b, c];
    const expected = [a.id, first.id, second.id, d.id];
    assert.deepEqual(ids(await f.store.list(21, 50, 0)), expected);
    assert.deepEqual(ids(await f.store.list(21, 2, 1)), expected.slice(1, 3));
    assert.deepEqual(ids((await f.handler.List({ user_id: 21 }, context("List"))).orders), expected);
    assert.deepEqual(ids(await f.store.list(22, 50, 0)), [other.id]);
    assert.deepEqual(await f.store.list(MISSING, 50, 0), []);
    const all = (await f.handler.List({ limit: 500 }, context("List"))).orders;
    assert.equal(all.length, await count(f.db));
    assert.deepEqual(ids(all.slice(0, 4)), expected, "the future-dated orders lead the unfiltered list");
    // Only non-increasing times here: the database orders by microseconds, which the ISO strings
    // round to milliseconds, so ties between strings say nothing about the ids.
    for (let i = 1; i < all.length; i++) {
      const [prev, next] = [all[i - 1] as Order, all[i] as Order];
      assert.ok(prev.created_at >= next.created_at, `${JSON.stringify(prev)} listed before ${JSON.stringify(next)}`);
    }
  });

  test(`orders - cancel moves a pending order to cancelled once; again 409, missing 404 (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const order = await f.store.create(31, 102, 7.5);
    const { order: cancelled } = await f.handler.Cancel({ id: order.id }, context("Cancel"));
    assert.deepEqual(cancelled, { ...order, status: "cancelled" });
    assert.deepEqual(await f.store.get(order.id), cancelled);
    const again = f.handler.Cancel({ id: order.id }, context("Cancel"));
    await rejectsWith(again, "orders", 409, "order_not_cancellable", new RegExp(`^order ${order.id} is cancelled;`));
    assert.equal(await f.store.cancel(order.id), undefined);
    assert.equal(await f.store.cancel(MISSING), undefined);
    await rejectsWith(f.handler.Cancel({ id: MISSING }, context("Cancel")), "orders", 404, "order_not_found");
  });
}

function rpcCases(kind: string, open: Open): void {
  test(`orders - Create verifies the user and the product over RPC and inserts a pending order (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const { order } = await f.handler.Create({ user_id: 1, product_id: 100, amount: 99.99 }, context("Create"));
    const { id, created_at, ...fields } = order;
    assert.equal(typeof id, "number");
    assert.deepEqual(fields, { user_id: 1, product_id: 100, amount: 99.99, status: "pending" });
    assert.match(created_at, ISO_UTC);
    assert.deepEqual(await f.store.get(order.id), order);
  });

  test(`orders - Create with an unknown user or product is a 422 naming it, and inserts nothing (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const before = await count(f.db);
    const noUser = f.handler.Create({ user_id: MISSING, product_id: 100, amount: 1 }, context("Create"));
    await rejectsWith(noUser, "orders", 422, "user_not_found");
    const noProduct = f.handler.Create({ user_id: 1, product_id: MISSING, amount: 1 }, context("Create"));
    await rejectsWith(noProduct, "orders", 422, "product_not_found");
    assert.equal(await count(f.db), before);
  });

  test(`orders - 50 concurrent Creates for one user get 50 distinct ids, all listed (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    // A user of its own, made over RPC too, so the list holds exactly this test's orders.
    const { user } = await f.peers.client.call("users", "UsersService.Create", { email: `buyer-${kind}@example.com`, name: "Buyer" });
    // Cents over 100, so each amount is the double nearest its two-decimal value, as JSON would carry it.
    const amounts = Array.from({ length: 50 }, (_, i) => (100 + i) / 100);
    const created = await Promise.all(
      amounts.map((amount) => f.handler.Create({ user_id: user.id, product_id: 101, amount }, context("Create"))),
    );
    const createdIds = created.map(({ order }) => order.id);
    assert.equal(new Set(createdIds).size, 50);
    assert.deepEqual(created.map(({ order }) => order.amount), amounts);
    const listed = (await f.handler.List({ user_id: user.id, limit: 500 }, context("List"))).orders;
    assert.deepEqual(ids(listed).sort((x, y) => x - y), createdIds.sort((x, y) => x - y));
  });

  test(`orders - an Idempotency-Key the database cannot store is a 400 from the Server, not a 500, and inserts nothing (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const before = await count(f.db);
    // A direct caller's metadata is no contract field: only the database can refuse the NUL.
    const metadata = { [IDEMPOTENCY_KEY]: "key\u0000" };
    await assert.rejects(
      f.handler.Create({ user_id: 1, product_id: 100, amount: 1 }, { ...context("Create"), metadata }),
      (error: unknown) => error instanceof DataError && error.status === 400 && error.code === "22021",
    );
    const rejected: unknown[] = [];
    const server = new Server({ name: "orders", onRejected: (error) => rejected.push(error.cause) }).handle(orders, f.handler);
    const body = Buffer.from(JSON.stringify({ user_id: 1, product_id: 100, amount: 1 }));
    const response = await server.serve({ service: "orders", endpoint: "OrdersService.Create", metadata, deadline: Date.now() + 5000, body });
    assert.equal(response.code, 400);
    const wire = JSON.parse(Buffer.from(response.body).toString()) as WireError;
    assert.deepEqual(wire, { id: "orders", code: 400, detail: "a text value contains a character that cannot be stored", status: "Bad Request", reason: "value_not_storable" });
    assert.equal((rejected[0] as { code?: unknown }).code, "22021", "the database's own error is handed over for the log");
    assert.equal(await count(f.db), before);
  });

  test(`orders - with users unreachable Create passes the 503 through and inserts nothing (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const before = await count(f.db);
    const attempt = () => f.handler.Create({ user_id: 1, product_id: 100, amount: 1 }, context("Create"));
    // Still registered but no longer listening: the one node refuses (or a pooled connection to
    // it is found closed), and no other is left to retry.
    await f.peers.users.stopListening();
    await assert.rejects(attempt(), (error: unknown) => {
      assert.ok(isMicroError(error) && error.id === "users" && error.code === 503, String(error));
      assert.ok(error.reason === "no_node" || error.reason === "connection_lost", `reason ${error.reason}`);
      return true;
    });
    // Gone from the registry too: no node to pick at all.
    await f.peers.users.deregister();
    await rejectsWith(attempt(), "users", 503, "no_node");
    assert.equal(await count(f.db), before);
  });
}

for (const kind of [pgliteKind(), postgresKind()]) {
  const open = suiteOf(kind);
  storeCases(kind.name, open);
  rpcCases(kind.name, open);
}
