/**
 * Migrations beyond the conformance suite: what happens when a file fails or is misnamed, and that
 * `openDatabase` picks PGlite when no URL is given. Runs on PGlite, which needs nothing installed;
 * the same functions on PostgreSQL (with concurrent migrators) are in postgres/postgres.test.ts.
 */

import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openDatabase, type Database } from "./index.js";
import { MigrationError, migrate, seedOnce } from "./migrate.js";

let root = "";
let db: Database;

before(async () => {
  root = await mkdtemp(join(tmpdir(), "migrate-test-"));
  db = await openDatabase({ url: "", dataDir: join(root, "data") });
});
after(async () => {
  await db.close();
  await rm(root, { recursive: true, force: true });
});

/** A migrations folder holding `files` (name to SQL). */
async function folder(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  for (const [file, sql] of Object.entries(files)) await writeFile(join(dir, file), sql);
  return dir;
}

test("migrate - openDatabase without a URL opens PGlite", () => {
  assert.equal(db.kind, "pglite");
});

test("migrate - a failing file is rolled back, not recorded, and stops the later ones", async () => {
  const dir = await folder("failing", {
    "20261124000001_ok.sql": "CREATE TABLE first_table (id int);",
    "20261124000002_bad.sql": "CREATE TABLE half_done (id int); SELECT * FROM no_such_table;",
    "20261124000003_later.sql": "CREATE TABLE later_table (id int);",
  });
  const error = await migrate(db, dir).then(() => assert.fail("migrate succeeded"), (e: unknown) => e);
  assert.ok(error instanceof MigrationError);
  assert.match(error.message, /20261124000002_bad\.sql failed and was rolled back: .*no_such_table/);
  assert.equal((error.cause as { code?: string }).code, "42P01");
  const tables = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_name IN ('first_table', 'half_done', 'later_table')`,
  );
  assert.deepEqual(tables, [{ name: "first_table" }]);
  await writeFile(join(dir, "20261124000002_bad.sql"), "CREATE TABLE half_done (id int);");
  assert.deepEqual(await migrate(db, dir), ["20261124000002", "20261124000003"]);
});

test("migrate - versions are the timestamps, applied in name order and recorded with a time", async () => {
  const dir = await folder("ordered", {
    "20261125000002_second.sql": "INSERT INTO ordered VALUES (2);",
    "20261125000001_first.sql": "CREATE TABLE ordered (n int); INSERT INTO ordered VALUES (1);",
  });
  assert.deepEqual(await migrate(db, dir), ["20261125000001", "20261125000002"]);
  const [row] = await db.query<{ applied_at: Date }>(
    "SELECT applied_at FROM schema_migrations WHERE version = $1",
    ["20261125000002"],
  );
  assert.ok(row?.applied_at instanceof Date);
  assert.deepEqual(await db.query("SELECT n FROM ordered"), [{ n: 1 }, { n: 2 }]);
});

test("migrate - a misnamed .sql file or a repeated version stops it before anything runs", async () => {
  const misnamed = await folder("misnamed", { "create_users.sql": "CREATE TABLE never_a (id int);" });
  await assert.rejects(migrate(db, misnamed), /create_users\.sql: expected a name like 20261124000000_create_users/);
  const repeated = await folder("repeated", {
    "20261126000001_a.sql": "CREATE TABLE never_b (id int);",
    "20261126000001_b.sql": "CREATE TABLE never_c (id int);",
  });
  await assert.rejects(migrate(db, repeated), /share version 20261126000001/);
  const tables = await db.query("SELECT 1 FROM information_schema.tables WHERE table_name LIKE 'never_%'");
  assert.deepEqual(tables, []);
});

test("migrate - seedOnce records seed:<name> and a failing seed can run again", async () => {
  await db.query("CREATE TABLE seeded (n int)");
  await assert.rejects(seedOnce(db, "demo", "INSERT INTO seeded VALUES (1); SELECT * FROM missing;"));
  assert.deepEqual(await db.query("SELECT * FROM schema_migrations WHERE version = 'seed:demo'"), []);
  assert.equal(await seedOnce(db, "demo", "INSERT INTO seeded VALUES (1);"), true);
  assert.equal(await seedOnce(db, "demo", "INSERT INTO seeded VALUES (1);"), false);
  assert.deepEqual(await db.query("SELECT n FROM seeded"), [{ n: 1 }]);
});
