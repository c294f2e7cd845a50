/**
 * PostgreSQL through `pg`: the conformance suite, plus what only a pool on a server has: several
 * instances migrating one database at once, pool figures, named prepared statements, per-pool type
 * parsers, and surviving connections that the server drops. Each test gets a database of its own.
 * Without a reachable server these tests skip, or fail when CI=true (docs/architecture.md, "How it is tested").
 */

import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test, type TestContext } from "node:test";
import { DependencyUnavailableError } from "@gw/micro";
import pg from "pg";
import { databaseConformance } from "../conformance.js";
import type { Database } from "../index.js";
import { migrate } from "../migrate.js";
import { createTestDatabase, requirePostgres, testDatabaseUrl } from "../testing.js";
import { waitFor } from "@gw/micro/testing";
import { openPostgres, statementName } from "./index.js";

/** Opens a pool on a new database dropped after the test; undefined when the test was skipped. */
async function openFresh(t: TestContext, poolSize?: number): Promise<{ db: Database; name: string } | undefined> {
  if (!(await requirePostgres(t))) return undefined;
  const target = await createTestDatabase();
  const db = await openPostgres(target.url, poolSize);
  t.after(async () => {
    await db.close();
    await target.drop();
  });
  return { db, name: target.name };
}

let shared: Promise<{ db: Database; drop(): Promise<void> }> | undefined;
after(async () => {
  const opened = await shared;
  await opened?.db.close();
  await opened?.drop();
});
databaseConformance("database/postgres", async (t) => {
  if (!(await requirePostgres(t))) return undefined;
  shared ??= createTestDatabase().then(async (target) => ({ db: await openPostgres(target.url), drop: target.drop }));
  return (await shared).db;
});

test("database/postgres - concurrent migrate from 3 pools applies each migration exactly once", async (t) => {
  const fresh = await openFresh(t);
  if (!fresh) return;
  const dir = await mkdtemp(join(tmpdir(), "migrations-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, "20261124000001_create.sql"), "CREATE TABLE runs (migration int NOT NULL);");
  for (const n of [2, 3, 4]) {
    await writeFile(join(dir, `2026112400000${n}_step.sql`), `INSERT INTO runs VALUES (${n}); SELECT pg_sleep(0.02);`);
  }
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${fresh.name}`;
  const pools = await Promise.all([1, 2, 3].map(() => openPostgres(url.toString(), 2)));
  t.after(() => Promise.all(pools.map((pool) => pool.close())));
  const results = await Promise.all(pools.map((pool) => migrate(pool, dir)));
  assert.deepEqual(results.flat().sort(), ["20261124000001", "20261124000002", "20261124000003", "20261124000004"]);
  const runs = await fresh.db.query("SELECT migration, count(*) AS n FROM runs GROUP BY migration ORDER BY migration");
  assert.deepEqual(runs, [2, 3, 4].map((migration) => ({ migration, n: 1 })));
});

test("database/postgres - stats reflect the pool", async (t) => {
  const fresh = await openFresh(t, 3);
  if (!fresh) return;
  assert.deepEqual(fresh.db.stats(), { total: 0, idle: 0, waiting: 0 });
  // Another session holds a lock the five queries wait for, so they stay busy until it lets go
  // (advisory locks are per database: it connects to the same one).
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${fresh.name}`;
  const holder = await openPostgres(url.toString(), 1);
  t.after(() => holder.close());
  const LOCK = 424242;
  await holder.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK]);
    const calls = Array.from({ length: 5 }, () => fresh.db.query("SELECT pg_advisory_xact_lock($1)", [LOCK]));
    await waitFor(() => fresh.db.stats().total === 3 && fresh.db.stats().waiting === 2, { what: "3 connections busy and 2 calls queued" });
    assert.deepEqual(fresh.db.stats(), { total: 3, idle: 0, waiting: 2 });
    return calls;
  }).then((calls) => Promise.all(calls));
  assert.deepEqual(fresh.db.stats(), { total: 3, idle: 3, waiting: 0 });
});

test("database/postgres - queries run as named prepared statements", async (t) => {
  const fresh = await openFresh(t);
  if (!fresh) return;
  const sql = "SELECT $1::int AS x";
  const prepared = await fresh.db.transaction(async (tx) => {
    await tx.query(sql, [1]);
    return tx.query<{ name: string }>("SELECT name FROM pg_prepared_statements WHERE statement = $1", [sql]);
  });
  assert.deepEqual(prepared, [{ name: statementName(sql) }]);
  assert.equal(statementName(sql), statementName(sql));
  assert.notEqual(statementName(sql), statementName(`${sql} `));
});

test("database/postgres - type parsers are the pool's own, pg's global ones are untouched", async (t) => {
  const fresh = await openFresh(t);
  if (!fresh) return;
  assert.deepEqual(await fresh.db.query("SELECT 5::int8 AS n"), [{ n: 5 }]);
  assert.equal(pg.types.getTypeParser(20, "text")("5"), "5");
  assert.equal(pg.types.getTypeParser(1700, "text")("1.50"), "1.50");
});

test("database/postgres - the pool survives its connections being terminated", async (t) => {
  const fresh = await openFresh(t, 4);
  if (!fresh) return;
  await Promise.all(Array.from({ length: 4 }, () => fresh.db.query("SELECT pg_sleep(0.02)")));
  assert.equal(fresh.db.stats().idle, 4);
  // What a PostgreSQL restart does to idle clients: their backends end under them.
  const admin = await openPostgres(testDatabaseUrl(), 1);
  await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [fresh.name]);
  await admin.close();
  await waitFor(() => fresh.db.stats().idle === 0, { what: "the pool to drop its terminated connections" });
  assert.deepEqual(await fresh.db.query("SELECT 1 AS one"), [{ one: 1 }]);
  await fresh.db.ping();
});

test("database/postgres - a transaction whose connection dies releases it and rethrows", async (t) => {
  const fresh = await openFresh(t, 1);
  if (!fresh) return;
  // As a database away, with the reason the service's 503 carries to its callers.
  await assert.rejects(fresh.db.transaction((tx) => tx.query("SELECT pg_terminate_backend(pg_backend_pid())")), (error: unknown) => {
    assert.ok(error instanceof DependencyUnavailableError, String(error));
    assert.deepEqual([error.dependency, error.reason], ["database", "database_unavailable"]);
    return true;
  });
  assert.deepEqual(await fresh.db.query("SELECT 2 AS two"), [{ two: 2 }]);
  assert.equal(fresh.db.stats().waiting, 0);
});

test("database/postgres - a pool size that is not a positive integer is refused", async () => {
  await assert.rejects(openPostgres(testDatabaseUrl(), 0), /poolSize must be a positive integer, got 0/);
  await assert.rejects(openPostgres(testDatabaseUrl(), 1.5), RangeError);
});
