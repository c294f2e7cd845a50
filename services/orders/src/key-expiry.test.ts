/**
 * Idempotency keys expire by age, on both databases: the sweep deletes keys older than the TTL and
 * keeps the rest, and a request with an expired key is a new request.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Database } from "@gw/database";
import { pgliteKind, postgresKind } from "@gw/database/testing";
import { createLogger } from "@gw/micro";
import { IDEMPOTENCY_KEY } from "@gw/proto";
import { handlerTesting, waitFor } from "@gw/micro/testing";
import { expireKeys, readKeyExpiryConfig, startKeyExpiry } from "./key-expiry.js";
import { type Open, suiteOf } from "./testing.js";

const HOUR_MS = 3_600_000;
const { context } = handlerTesting("orders", "OrdersService");

async function keys(db: Database, prefix: string): Promise<string[]> {
  const rows = await db.query<{ key: string }>("SELECT key FROM idempotency_keys WHERE key LIKE $1 ORDER BY key", [`${prefix}%`]);
  return rows.map((row) => row.key);
}

/** Makes a key look `hours` old. */
async function age(db: Database, key: string, hours: number): Promise<void> {
  await db.query(`UPDATE idempotency_keys SET created_at = now() - $2::double precision * interval '1 hour' WHERE key = $1`, [key, hours]);
}

function expiryCases(kind: string, open: Open): void {
  test(`orders - keys older than the TTL are swept, younger ones kept, and an expired key creates anew (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const prefix = `expiry-${kind}-`;
    const create = (key: string) => f.handler.Create({ user_id: 1, product_id: 100, amount: 5 }, { ...context("Create"), metadata: { [IDEMPOTENCY_KEY]: key } });
    const old = await create(`${prefix}old`);
    await create(`${prefix}young`);
    await age(f.db, `${prefix}old`, 25);
    await age(f.db, `${prefix}young`, 23);

    assert.equal(await expireKeys(f.db, 24 * HOUR_MS), 1);
    assert.deepEqual(await keys(f.db, prefix), [`${prefix}young`]);
    const again = await create(`${prefix}old`);
    assert.notEqual(again.order.id, old.order.id, "an expired key is a new request");
  });

  test(`orders - the sweeper runs at start, on its own (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const key = `sweeper-${kind}`;
    await f.handler.Create({ user_id: 1, product_id: 100, amount: 5 }, { ...context("Create"), metadata: { [IDEMPOTENCY_KEY]: key } });
    await age(f.db, key, 2);
    const sweeper = startKeyExpiry(f.db, { ttlMs: HOUR_MS, everyMs: 60_000 }, createLogger("orders", "silent"));
    try {
      await waitFor(async () => (await keys(f.db, key)).length === 0, { intervalMs: 20, what: "the sweeper to delete the old key" });
    } finally {
      sweeper.stop();
    }
  });
}

test("orders - IDEMPOTENCY_KEY_TTL_HOURS sets the TTL in hours; 24 by default", () => {
  assert.equal(readKeyExpiryConfig({}).ttlMs, 24 * HOUR_MS);
  assert.equal(readKeyExpiryConfig({ IDEMPOTENCY_KEY_TTL_HOURS: "2" }).ttlMs, 2 * HOUR_MS);
});

for (const kind of [pgliteKind(), postgresKind()]) expiryCases(kind.name, suiteOf(kind));
