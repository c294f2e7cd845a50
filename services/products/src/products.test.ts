/**
 * The products store and handler on both databases the service runs on: PGlite (the embedded
 * default) and real PostgreSQL (`DATABASE_URL`). One behaviour suite runs once per kind, on the
 * service's real migrations and demo seed, so money, defaults and CHECK constraints are held to
 * the same answers by both drivers.
 *
 * Each test gets a database of its own, migrated and seeded (`freshDatabases`: a copy of one
 * prepared once per kind, since a PGlite first start costs seconds), so it sees the seed and its
 * own writes only, whatever ran before it.
 */
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { DataError, type Database, seedOnce } from "@gw/database";
import { type DatabaseKind, freshDatabases, pgliteKind, postgresKind, type SuiteDatabase } from "@gw/database/testing";
import type { HandlerOf } from "@gw/micro";
import { handlerTesting } from "@gw/micro/testing";
import type { products } from "@gw/proto";
import { ProductsService } from "./handler.js";
import { ProductStore } from "./store.js";

/** Compiled tests run from dist/, a sibling of migrations/ and seeds/. */
const MIGRATIONS = fileURLToPath(new URL("../migrations/", import.meta.url));
const SEED = new URL("../seeds/demo.sql", import.meta.url);

const WIDGET = { id: 100, name: "Widget", price: 99.99, stock: 1000 };
const GADGET = { id: 101, name: "Gadget", price: 24.5, stock: 500 };
const GIZMO = { id: 102, name: "Gizmo", price: 5, stock: 0 };

/** PostgreSQL's check_violation, the same code from PGlite and from `pg`. */
const CHECK_VIOLATION = "23514";

/** The test's database and the seed text, with the store and the handler on that database. */
interface Fixture extends SuiteDatabase {
  readonly store: ProductStore;
  /** Typed as the server sees it, so calls pass a context as the server does. */
  readonly handler: HandlerOf<typeof products>;
}

/** The fixture of one kind, or undefined when the test was skipped (PostgreSQL unreachable). */
type Open = (t: TestContext) => Promise<Fixture | undefined>;

/** A fresh database of `kind` for each test, migrated and seeded, with the store and handler on it. */
function suiteOf(kind: DatabaseKind): Open {
  const fresh = freshDatabases(kind, { migrations: MIGRATIONS, seed: SEED });
  return async (t) => {
    const prepared = await fresh(t);
    if (!prepared) return undefined;
    const store = new ProductStore(prepared.db);
    return { ...prepared, store, handler: new ProductsService(store) };
  };
}

/** Calls the handler with the context its server would give; checks its wire errors. */
const { context, rejectsWith } = handlerTesting("products", "ProductsService");

function isCheckViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === CHECK_VIOLATION;
}

async function count(db: Database): Promise<number> {
  const [row] = await db.query<{ n: number }>("SELECT count(*) AS n FROM products");
  return row?.n ?? -1;
}

function behaviour(kind: string, open: Open): void {
  test(`products - the demo seed adds products 100 to 102 with exact prices, once (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const seeded = await f.store.list(50, 0);
    assert.deepEqual(seeded, [WIDGET, GADGET, GIZMO]);
    // numeric(12,2) must come back as the JS number 99.99, not the string "99.99" nor 99.98999….
    assert.equal(seeded[0]?.price, 99.99);
    assert.equal(typeof seeded[0]?.id, "number");
    assert.equal(await seedOnce(f.db, "demo", f.seed), false);
    assert.equal(await count(f.db), 3);
  });

  test(`products - get and list answer in id order, paged by limit and offset (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    assert.deepEqual(await f.handler.Get({ id: 101 }, context("Get")), { product: GADGET });
    assert.deepEqual(await f.store.list(2, 0), [WIDGET, GADGET]);
    assert.deepEqual(await f.store.list(2, 1), [GADGET, GIZMO]);
    assert.deepEqual(await f.store.list(5, 3), []);
    assert.deepEqual(await f.handler.List({}, context("List")), { products: [WIDGET, GADGET, GIZMO] });
    assert.deepEqual(await f.handler.List({ limit: 1, offset: 2 }, context("List")), { products: [GIZMO] });
    assert.equal(await f.store.get(1), undefined);
    await rejectsWith(f.handler.Get({ id: 1 }, context("Get")), 404, "product_not_found");
  });

  test(`products - create continues at 103, stock defaults to 0, prices round-trip exactly (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const { product } = await f.handler.Create({ name: "Doohickey", price: 12.34 }, context("Create"));
    assert.deepEqual(product, { id: 103, name: "Doohickey", price: 12.34, stock: 0 });
    assert.deepEqual(await f.store.get(103), product);
    // The largest numeric(12,2) still fits a double exactly enough to compare equal.
    const dearest = await f.store.create("Yacht", 9_999_999_999.99, 1);
    assert.equal(dearest.price, 9_999_999_999.99);
    assert.equal((await f.store.get(dearest.id))?.price, 9_999_999_999.99);
    assert.equal((await f.store.create("Penny sweet", 0.01, 7)).price, 0.01);
  });

  test(`products - the database rejects price 0 and stock -1 and keeps the row as it was (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const before = await count(f.db);
    // The CHECK constraints back the contract's validation for any writer that skips it.
    await assert.rejects(f.store.create("Free lunch", 0, 1), isCheckViolation);
    await assert.rejects(f.store.create("Debt", 1, -1), isCheckViolation);
    await assert.rejects(f.store.update(100, { price: 0 }), isCheckViolation);
    await assert.rejects(f.store.update(100, { stock: -1 }), isCheckViolation);
    assert.equal(await count(f.db), before);
    assert.deepEqual(await f.store.get(100), WIDGET);
  });

  test(`products - values the database refuses reach the handler's caller as DataErrors with a 400, not as 500s (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const before = await count(f.db);
    const refused = (code: string) => (error: unknown) => error instanceof DataError && error.status === 400 && error.code === code;
    await assert.rejects(f.handler.Create({ name: "x\u0000", price: 1 }, context("Create")), refused("22021"));
    await assert.rejects(f.handler.Update({ id: 100, name: "x\u0000" }, context("Update")), refused("22021"));
    await assert.rejects(f.handler.Update({ id: 100, price: 0 }, context("Update")), refused(CHECK_VIOLATION));
    assert.equal(await count(f.db), before);
    assert.deepEqual(await f.store.get(100), WIDGET);
  });

  test(`products - update changes only the given fields; no fields 400, missing 404 (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    assert.equal((await f.store.create("Doohickey", 12.34, 0)).id, 103);
    const priced = await f.handler.Update({ id: 103, price: 15.5 }, context("Update"));
    assert.deepEqual(priced, { product: { id: 103, name: "Doohickey", price: 15.5, stock: 0 } });
    const stocked = await f.handler.Update({ id: 103, name: "Doohickey II", stock: 12 }, context("Update"));
    assert.deepEqual(stocked, { product: { id: 103, name: "Doohickey II", price: 15.5, stock: 12 } });
    // Stock 0 is a value, not "unchanged": COALESCE must not swallow it.
    const emptied = await f.handler.Update({ id: 103, stock: 0 }, context("Update"));
    assert.equal(emptied.product.stock, 0);
    await rejectsWith(f.handler.Update({ id: 103 }, context("Update")), 400, "nothing_to_update", /name, price, stock/);
    await rejectsWith(f.handler.Update({ id: 404, name: "Nothing" }, context("Update")), 404, "product_not_found");
    assert.deepEqual(await f.store.get(103), { id: 103, name: "Doohickey II", price: 15.5, stock: 0 });
  });

  test(`products - delete removes the product; missing ids are 404 (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    assert.equal((await f.store.create("Doohickey", 12.34, 0)).id, 103);
    assert.deepEqual(await f.handler.Delete({ id: 103 }, context("Delete")), {});
    await rejectsWith(f.handler.Get({ id: 103 }, context("Get")), 404, "product_not_found");
    await rejectsWith(f.handler.Delete({ id: 103 }, context("Delete")), 404, "product_not_found");
    assert.equal(await f.store.delete(103), false);
    assert.deepEqual((await f.store.list(3, 0)).map((product) => product.id), [100, 101, 102]);
  });
}

for (const kind of [pgliteKind(), postgresKind()]) behaviour(kind.name, suiteOf(kind));
