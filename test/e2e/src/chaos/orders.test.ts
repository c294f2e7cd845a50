/**
 * The orders checker against a real orders database (the service's own migrations on the test
 * PostgreSQL): it finds what it is there to find, an acknowledged order missing or held by another
 * key, and an order made twice, and passes when every acknowledged order is there once.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Database, migrate } from "@gw/database";
import { openPostgres } from "@gw/database/postgres";
import { type TestDatabase, createTestDatabase, postgresAvailable, requirePostgres } from "@gw/database/testing";
import { ROOT } from "../harness.js";
import type { Sample } from "./load.js";
import { checkOrders } from "./orders.js";

const BODY = { user_id: 1, product_id: 100, amount: 2.5 };
/** No request goes to the gateway when every order was answered: nothing listens here. */
const NO_GATEWAY = "http://127.0.0.1:9";

function acknowledged(key: string, orderId: number): Sample {
  return { request: { kind: "create-order", key, body: BODY }, sentMs: 0, answeredMs: 1, status: 201, ok: true, orderId };
}

const available = await postgresAvailable();

describe("chaos orders check - against the orders database", () => {
  let target: TestDatabase | undefined;
  let db: Database | undefined;

  before(async () => {
    if (!available) return;
    target = await createTestDatabase();
    db = await openPostgres(target.url, 1);
    await migrate(db, join(ROOT, "services", "orders", "migrations"));
  });
  after(async () => {
    await db?.close();
    await target?.drop();
  });

  /** An order stored as the service stores it: the row, and its key pointing at its answer. */
  async function order(key: string | undefined): Promise<number> {
    assert.ok(db);
    const [row] = await db.query<{ id: string }>(`INSERT INTO orders (user_id, product_id, amount) VALUES (1, 100, 2.5) RETURNING id`);
    const id = Number(row?.id);
    if (key) await db.query(`INSERT INTO idempotency_keys (scope, key, request_hash, response) VALUES ('anonymous', $1, 'h', $2)`, [key, JSON.stringify({ id })]);
    return id;
  }

  test("chaos orders check - every acknowledged order there once under its key passes", async (t) => {
    if (!(await requirePostgres(t)) || !target) return;
    const samples = [acknowledged("k1", await order("k1")), acknowledged("k2", await order("k2"))];
    const check = await checkOrders(target.url, NO_GATEWAY, samples);
    assert.deepEqual(check, { acknowledged: 2, lost: 0, doubled: 0, unanswered: 0, unansweredThenFound: 0, retriesFailed: 0, problems: [] });
  });

  test("chaos orders check - an acknowledged order whose key is missing, or holds another order, is lost", async (t) => {
    if (!(await requirePostgres(t)) || !target) return;
    const held = await order("k3");
    const gone = await order("k5");
    assert.ok(db);
    await db.query(`DELETE FROM orders WHERE id = $1`, [gone]);
    const other = await order("k6");
    const samples = [acknowledged("k3", held + 1000), acknowledged("k4", held), acknowledged("k5", gone), acknowledged("k3", other), acknowledged("k6", other)];
    const check = await checkOrders(target.url, NO_GATEWAY, samples);
    assert.equal(check.lost, 4);
    const problems = check.problems.join("\n");
    assert.match(problems, new RegExp(`order ${held + 1000} \\(k3\\): no such order`));
    assert.match(problems, /\(k4\): its key is not stored/);
    assert.match(problems, new RegExp(`order ${gone} \\(k5\\): no such order`));
    assert.match(problems, new RegExp(`order ${other} \\(k3\\): the key holds order ${held}`));
  });

  test("chaos orders check - an order no key points at was made twice", async (t) => {
    if (!(await requirePostgres(t)) || !target) return;
    const before = await checkOrders(target.url, NO_GATEWAY, []);
    await order(undefined);
    const check = await checkOrders(target.url, NO_GATEWAY, []);
    assert.equal(check.doubled, before.doubled + 1);
    assert.ok(check.problems.some((p) => /has no idempotency key: made twice/.test(p)));
  });
});
