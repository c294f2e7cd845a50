/**
 * The behaviour every `Database` implementation must show, as one suite that each implementation's
 * test file runs (Hono's router conformance cases, STYLE.md). A service's store is written once
 * against the interface, so PGlite and PostgreSQL must agree on types, transactions and errors.
 *
 * `open` returns the database under test, or undefined when the test was skipped (see
 * `requirePostgres`). The caller owns its lifecycle: tests create tables with unique names, so one
 * database may serve the whole suite.
 */

import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { DataError, isUniqueViolation, type Database } from "./index.js";
import { migrate, seedOnce } from "./migrate.js";

export type OpenForTest = (t: TestContext) => Promise<Database | undefined>;

let tables = 0;
/** A table name no other test of this process uses. */
function table(stem: string): string {
  return `${stem}_${process.pid}_${++tables}`;
}

/** Registers the suite's tests, titled `<label> - <behaviour>`. */
export function databaseConformance(label: string, open: OpenForTest): void {
  typeCases(label, open);
  transactionCases(label, open);
  dataErrorCases(label, open);
  concurrencyAndMigrationCases(label, open);
}

function typeCases(label: string, open: OpenForTest): void {
  test(`${label} - query binds parameters and returns rows`, async (t) => {
    const db = await open(t);
    if (!db) return;
    const rows = await db.query("SELECT $1::int + $2::int AS sum, $3::text AS text", [2, 3, "x"]);
    assert.deepEqual(rows, [{ sum: 5, text: "x" }]);
    assert.deepEqual(await db.query("SELECT 1 AS one WHERE false"), []);
  });

  test(`${label} - bigint and numeric come back as numbers, 99.99 exactly`, async (t) => {
    const db = await open(t);
    if (!db) return;
    const name = table("money");
    await db.query(`CREATE TABLE ${name} (id bigserial PRIMARY KEY, amount numeric(12,2) NOT NULL)`);
    const inserted = await db.query(`INSERT INTO ${name} (amount) VALUES ($1) RETURNING id, amount`, [99.99]);
    assert.deepEqual(inserted, [{ id: 1, amount: 99.99 }]);
    const [big] = await db.query(`SELECT $1::bigint AS max, count(*) AS n, sum(amount) AS total FROM ${name}`, [
      Number.MAX_SAFE_INTEGER,
    ]);
    assert.deepEqual(big, { max: Number.MAX_SAFE_INTEGER, n: 1, total: 99.99 });
  });

  test(`${label} - timestamptz comes back as a Date`, async (t) => {
    const db = await open(t);
    if (!db) return;
    const [row] = await db.query<{ at: Date }>("SELECT '2026-11-24T10:20:30.123Z'::timestamptz AS at");
    assert.ok(row?.at instanceof Date);
    assert.equal(row.at.toISOString(), "2026-11-24T10:20:30.123Z");
  });

}

function transactionCases(label: string, open: OpenForTest): void {
  test(`${label} - transaction commits when fn resolves`, async (t) => {
    const db = await open(t);
    if (!db) return;
    const name = table("tx_commit");
    await db.query(`CREATE TABLE ${name} (id int PRIMARY KEY)`);
    const result = await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${name} VALUES ($1)`, [1]);
      await tx.exec(`INSERT INTO ${name} VALUES (2); INSERT INTO ${name} VALUES (3)`);
      return "done";
    });
    assert.equal(result, "done");
    assert.deepEqual(await db.query(`SELECT id FROM ${name} ORDER BY id`), [{ id: 1 }, { id: 2 }, { id: 3 }]);
  });

  test(`${label} - transaction rolls back when fn throws, and rethrows`, async (t) => {
    const db = await open(t);
    if (!db) return;
    const name = table("tx_rollback");
    await db.query(`CREATE TABLE ${name} (id int PRIMARY KEY)`);
    const failure = new Error("stop");
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${name} VALUES ($1)`, [1]);
        throw failure;
      }),
      (error) => error === failure,
    );
    assert.deepEqual(await db.query(`SELECT id FROM ${name}`), []);
    await db.query(`INSERT INTO ${name} VALUES ($1)`, [1]); // the database is usable afterwards
  });

  test(`${label} - a unique violation is detected by isUniqueViolation`, async (t) => {
    const db = await open(t);
    if (!db) return;
    const name = table("uniq");
    await db.query(`CREATE TABLE ${name} (email text PRIMARY KEY)`);
    await db.query(`INSERT INTO ${name} VALUES ($1)`, ["a@example.com"]);
    await assert.rejects(db.query(`INSERT INTO ${name} VALUES ($1)`, ["a@example.com"]), isUniqueViolation);
    const inTx = db.transaction((tx) => tx.query(`INSERT INTO ${name} VALUES ($1)`, ["a@example.com"]));
    await assert.rejects(inTx, isUniqueViolation);
    assert.equal(isUniqueViolation(new Error("other")), false);
  });

}

/**
 * Asserts that `run` rejects with a DataError of this SQLSTATE and status whose detail is a plain
 * sentence: none of `secrets` (the values, table and constraint names) and no SQL in it.
 */
async function rejectsAsDataError(run: Promise<unknown>, code: string, status: number, secrets: readonly string[]): Promise<void> {
  await assert.rejects(run, (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
    // A client tells a duplicate apart from other conflicts by the reason alone.
    const reason = code === "23505" ? "duplicate_value" : status === 409 ? "data_conflict" : "value_not_storable";
    assert.deepEqual([error.code, error.status, error.dependency, error.reason], [code, status, "database", reason]);
    assert.equal((error.cause as { code?: unknown }).code, code, "the driver's error is kept as the cause");
    assert.match(error.detail, /^[a-z][a-z ,]+$/, error.detail);
    for (const secret of [...secrets, "INSERT", "UPDATE", "DELETE", "SELECT", "constraint", "relation"]) {
      assert.ok(!error.detail.toLowerCase().includes(secret.toLowerCase()), `${JSON.stringify(secret)} in ${JSON.stringify(error.detail)}`);
    }
    return true;
  });
}

function dataErrorCases(label: string, open: OpenForTest): void {
  test(`${label} - values the database cannot take (class 22) are DataErrors with a 400 and a plain sentence`, async (t) => {
    const db = await open(t);
    if (!db) return;
    const name = table("values");
    await db.query(`CREATE TABLE ${name} (id int PRIMARY KEY, note text, code varchar(3))`);
    await rejectsAsDataError(db.query(`INSERT INTO ${name} (id, note) VALUES (1, $1)`, ["secret\u0000"]), "22021", 400, [name, "secret", "0x00"]);
    await rejectsAsDataError(db.query(`INSERT INTO ${name} (id, code) VALUES (1, $1)`, ["toolong"]), "22001", 400, [name, "toolong", "varying"]);
    await rejectsAsDataError(db.query("SELECT $1::int AS n", ["abc"]), "22P02", 400, ["abc", "integer"]);
    await rejectsAsDataError(db.query("SELECT $1::numeric(3,1) AS n", [1000]), "22003", 400, ["1000", "precision"]);
    await rejectsAsDataError(db.query("SELECT $1::timestamptz AS t", ["yesterday-ish"]), "22007", 400, ["yesterday"]);
    await rejectsAsDataError(db.query("SELECT 1 / $1::int AS n", [0]), "22012", 400, ["division"]);
    await rejectsAsDataError(db.transaction((tx) => tx.query(`INSERT INTO ${name} (id, note) VALUES (2, $1)`, ["x\u0000"])), "22021", 400, [name]);
    assert.deepEqual(await db.query(`SELECT id FROM ${name}`), [], "nothing was written");
  });

  test(`${label} - integrity violations (class 23) are DataErrors: unique and foreign key 409, not-null and check 400`, async (t) => {
    const db = await open(t);
    if (!db) return;
    const parent = table("parent");
    const child = table("child");
    await db.query(`CREATE TABLE ${parent} (id int PRIMARY KEY, email text NOT NULL UNIQUE, stock int NOT NULL CHECK (stock >= 0))`);
    await db.query(`CREATE TABLE ${child} (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES ${parent} (id))`);
    await db.query(`INSERT INTO ${parent} VALUES (1, 'taken@example.com', 1)`);
    await db.query(`INSERT INTO ${child} VALUES (1, 1)`);
    const duplicate = db.query(`INSERT INTO ${parent} VALUES (2, $1, 1)`, ["taken@example.com"]);
    await rejectsAsDataError(duplicate, "23505", 409, [parent, "taken@example.com", "email", "key"]);
    await assert.rejects(db.query(`INSERT INTO ${parent} VALUES (2, $1, 1)`, ["taken@example.com"]), isUniqueViolation);
    await rejectsAsDataError(db.query(`INSERT INTO ${child} VALUES (2, $1)`, [99]), "23503", 409, [child, parent, "99", "parent_id"]);
    await rejectsAsDataError(db.query(`DELETE FROM ${parent} WHERE id = $1`, [1]), "23503", 409, [child, parent, "parent_id"]);
    await rejectsAsDataError(db.query(`INSERT INTO ${parent} VALUES (3, $1, 1)`, [null]), "23502", 400, [parent, "email", "null value"]);
    await rejectsAsDataError(db.query(`UPDATE ${parent} SET stock = $1 WHERE id = 1`, [-5]), "23514", 400, [parent, "stock", "-5", "check"]);
    await rejectsAsDataError(db.transaction((tx) => tx.query(`INSERT INTO ${child} VALUES (3, $1)`, [42])), "23503", 409, [child]);
    assert.deepEqual(await db.query(`SELECT id, stock FROM ${parent}`), [{ id: 1, stock: 1 }]);
  });

  test(`${label} - other errors are left as the driver threw them`, async (t) => {
    const db = await open(t);
    if (!db) return;
    await assert.rejects(db.query("SELEC 1"), (error: unknown) => !(error instanceof DataError) && (error as { code?: unknown }).code === "42601");
    await assert.rejects(db.query(`SELECT * FROM ${table("missing")}`), (error: unknown) => !(error instanceof DataError) && (error as { code?: unknown }).code === "42P01");
  });
}

function concurrencyAndMigrationCases(label: string, open: OpenForTest): void {
  test(`${label} - migrate applies each file once in name order, seedOnce runs once`, async (t) => {
    const db = await open(t);
    if (!db) return;
    const dir = await mkdtemp(join(tmpdir(), "migrations-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const name = table("migrated");
    await writeFile(join(dir, "20261124000002_add_column.sql"), `ALTER TABLE ${name} ADD COLUMN note text;`);
    const create = `CREATE TABLE ${name} (id int PRIMARY KEY);\nCREATE INDEX ON ${name} (id);`;
    await writeFile(join(dir, "20261124000001_create.sql"), create);
    await writeFile(join(dir, "README.md"), "not a migration");
    assert.deepEqual(await migrate(db, dir), ["20261124000001", "20261124000002"]);
    assert.deepEqual(await migrate(db, dir), []);
    const seed = `INSERT INTO ${name} (id, note) VALUES (1, 'demo')`;
    assert.equal(await seedOnce(db, name, seed), true);
    await db.query(`DELETE FROM ${name}`); // a user removed the demo row; a restart must not bring it back
    assert.equal(await seedOnce(db, name, seed), false);
    assert.deepEqual(await db.query(`SELECT * FROM ${name}`), []);
  });

  test(`${label} - 50 concurrent inserts all land`, async (t) => {
    const db = await open(t);
    if (!db) return;
    const name = table("concurrent");
    await db.query(`CREATE TABLE ${name} (id int PRIMARY KEY)`);
    const ids = Array.from({ length: 50 }, (_, i) => i + 1);
    await Promise.all(ids.map((id) =>
      id % 2 === 0
        ? db.query(`INSERT INTO ${name} VALUES ($1)`, [id])
        : db.transaction((tx) => tx.query(`INSERT INTO ${name} VALUES ($1)`, [id])),
    ));
    assert.deepEqual(await db.query(`SELECT count(*) AS n, sum(id) AS s FROM ${name}`), [{ n: 50, s: 1275 }]);
  });

  test(`${label} - ping answers and stats describe the connections`, async (t) => {
    const db = await open(t);
    if (!db) return;
    await db.ping();
    const stats = db.stats();
    assert.ok(stats.total >= 1 && stats.idle <= stats.total && stats.waiting === 0, JSON.stringify(stats));
  });
}
