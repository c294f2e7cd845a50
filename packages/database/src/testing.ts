/**
 * Helpers for tests that use real PostgreSQL or PGlite, for this package and for the services.
 *
 * Tests get a database of their own (`createTestDatabase`) so test files can run in parallel against
 * one server. docs/architecture.md, "How it is tested": on CI PostgreSQL is required, so a test that needs it FAILS
 * there when it is missing; on a developer machine without it the test is skipped, with the reason.
 *
 * The server is `TEST_DATABASE_URL`, by default the local trust-auth superuser.
 *
 * A service's tests run one behaviour suite per `DatabaseKind` (`pgliteKind`, `postgresKind`), so
 * both drivers are held to the same answers; `freshDatabases` gives each test of such a suite a
 * migrated and seeded database of its own (a copy of one prepared once), so no test sees another's
 * rows.
 */

import { createHash, randomBytes } from "node:crypto";
import { cp, mkdtemp, readFile, rename, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, type TestContext } from "node:test";
import pg from "pg";
import type { Database } from "./index.js";
import { migrate, seedOnce } from "./migrate.js";
import { redactedUrl, requireOrSkip } from "@gw/micro/testing";

export const DEFAULT_TEST_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/** How long `postgresAvailable` waits for the server before answering no. */
const PROBE_TIMEOUT_MS = 2_000;

/** A database created for one test run; `drop` removes it even while connections remain. */
export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** The administrative URL tests connect to. */
export function testDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
}

/** True when the test server answers `SELECT 1` within two seconds. */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: testDatabaseUrl(), connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  client.on("error", () => undefined); // a refused or dropped connection is the answer, not a crash
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates a database `test_<random>` on the test server: empty, or a copy of database `template`. */
export async function createTestDatabase(template?: string): Promise<TestDatabase> {
  const name = `test_${randomBytes(6).toString("hex")}`;
  await admin(template === undefined ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${template}`);
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/**
 * Call first in a test that needs PostgreSQL: resolves true when it is reachable. Otherwise it
 * throws when `CI=true` (the test fails), or marks the test skipped and resolves false, after which
 * the test should return: `if (!(await requirePostgres(t))) return;`.
 */
export async function requirePostgres(t: Pick<TestContext, "skip">): Promise<boolean> {
  return requireOrSkip(t, await postgresAvailable(), `PostgreSQL not reachable at ${redactedUrl(testDatabaseUrl(), "TEST_DATABASE_URL")} (set TEST_DATABASE_URL)`);
}

/** How one kind makes an empty database, and removes what it made once the suite is done. */
export interface DatabaseKind {
  /** As `Database.kind`; suites put it in their test titles. */
  readonly name: Database["kind"];
  /** Call first in a test: false when the test was skipped and should return (see `requirePostgres`). */
  guard(t: Pick<TestContext, "skip">): Promise<boolean>;
  /** A new empty database; the caller closes it before `cleanup`. */
  open(): Promise<Database>;
  /**
   * Prepares one database with `prepare` and closes it; each call of the function it resolves is a
   * new database holding what `prepare` left (the PGlite folder copied, or PostgreSQL's `CREATE
   * DATABASE … TEMPLATE`), far cheaper than preparing it again. The caller closes each copy.
   */
  copies(prepare: (db: Database) => Promise<void>): Promise<() => Promise<Database>>;
  /** Removes every database `open` made. */
  cleanup(): Promise<void>;
}

/**
 * PGlite: one directory initialised once (initdb costs seconds), copied for each database.
 * The drivers are imported on demand, as in open.ts, so a PostgreSQL-only test never loads PGlite.
 */
export function pgliteKind(): DatabaseKind {
  let made: Promise<{ root: string; template: string }> | undefined;
  let copies = 0;
  const copyOf = async (source: string, root: string): Promise<Database & { dataDir: string }> => {
    const dir = join(root, `db-${++copies}`);
    await cp(source, dir, { recursive: true });
    const { openPglite } = await import("./pglite/index.js");
    return Object.assign(await openPglite(dir), { dataDir: dir });
  };
  return {
    name: "pglite",
    guard: async () => true,
    async open() {
      made ??= initialiseTemplate();
      const { root, template } = await made;
      return copyOf(template, root);
    },
    async copies(prepare) {
      made ??= initialiseTemplate();
      const { root, template } = await made;
      const prepared = await copyOf(template, root);
      const dir = prepared.dataDir;
      try {
        await prepare(prepared);
      } finally {
        await prepared.close();
      }
      return () => copyOf(dir, root);
    },
    async cleanup() {
      const done = await made?.catch(() => undefined);
      if (done) await rm(done.root, { recursive: true, force: true });
    },
  };
}

/** PostgreSQL: a fresh database on the test server for each `open`, all dropped by `cleanup`. */
export function postgresKind(): DatabaseKind {
  const drops: Array<() => Promise<void>> = [];
  return {
    name: "postgres",
    guard: (t) => requirePostgres(t),
    async open() {
      const target = await createTestDatabase();
      drops.push(target.drop);
      const { openPostgres } = await import("./postgres/index.js");
      return openPostgres(target.url);
    },
    async copies(prepare) {
      const template = await createTestDatabase();
      drops.push(template.drop);
      const { openPostgres } = await import("./postgres/index.js");
      const prepared = await openPostgres(template.url);
      try {
        await prepare(prepared);
      } finally {
        // A template must have no session open when it is copied.
        await prepared.close();
      }
      return async () => {
        const copy = await createTestDatabase(template.name);
        drops.push(copy.drop);
        return openPostgres(copy.url);
      };
    },
    async cleanup() {
      await Promise.all(drops.map((drop) => drop()));
    },
  };
}

/** What a suite's database is prepared from: the service's own files. */
export interface SuiteFiles {
  /** The folder of migrations, as `migrate` takes it. */
  readonly migrations: string;
  /** A seed script, run once under the name `demo` after the migrations. */
  readonly seed?: string | URL;
}

/** A test's database, prepared. */
export interface SuiteDatabase {
  readonly db: Database;
  /** The seed script's text ("" without one), so a test can check that seeding again adds nothing. */
  readonly seed: string;
}

/**
 * A database of `kind` for each test, migrated and seeded from `files` as the program would at
 * start: the first call prepares one and every call (the first included) gets a copy of it, closed
 * after the test, so a test sees the seed and its own writes and nothing of its neighbours'.
 * Resolves undefined when the test was skipped (the test should then return). Everything made is
 * removed after the file, so call this where `after` applies (top level or a `describe`).
 */
export function freshDatabases(kind: DatabaseKind, files: SuiteFiles): (t: TestContext) => Promise<SuiteDatabase | undefined> {
  let copies: Promise<{ copy: () => Promise<Database>; seed: string }> | undefined;
  const open = new Set<Database>();
  after(async () => {
    await copies?.catch(() => undefined); // a failed preparation failed its tests already
    await Promise.all([...open].map((db) => db.close()));
    await kind.cleanup();
  });
  return async (t) => {
    if (!(await kind.guard(t))) return undefined;
    copies ??= (async () => {
      let seed = "";
      const copy = await kind.copies(async (db) => {
        seed = await migrateAndSeed(db, files.migrations, files.seed);
      });
      return { copy, seed };
    })();
    const { copy, seed } = await copies;
    const db = await copy();
    open.add(db);
    t.after(async () => {
      open.delete(db);
      await db.close();
    });
    return { db, seed };
  };
}

/**
 * Prepares `db` as a service's program does at start (bootstrap.ts): its migrations, then its seed
 * once under the name `demo`. Resolves the seed's text, "" without one.
 */
export async function migrateAndSeed(db: Database, migrations: string, seed?: string | URL): Promise<string> {
  const sql = seed === undefined ? "" : await readFile(seed, "utf8");
  await migrate(db, migrations);
  if (seed !== undefined) await seedOnce(db, "demo", sql);
  return sql;
}

/** Makes the directory `pgliteKind` copies, in a temp root: a copy of the machine's shared template. */
async function initialiseTemplate(): Promise<{ root: string; template: string }> {
  const shared = await sharedPgliteTemplate();
  const root = await mkdtemp(join(tmpdir(), "pglite-test-"));
  const template = join(root, "template");
  await cp(shared, template, { recursive: true });
  return { root, template };
}

/**
 * An initialised PGlite folder shared by every test process on this machine: initdb costs seconds
 * of CPU, and each test file used to pay it, several at once when files run in parallel. The first
 * process that needs it builds it aside and renames it into place (atomic, so no process copies a
 * half-made one; a process that loses the race uses the winner's). Its name carries PGlite's
 * version and a hash of the code that opens it, so a change to either makes a new one; it stays in
 * the temp folder as a cache (about 40 MB).
 */
async function sharedPgliteTemplate(): Promise<string> {
  const pgliteMain = fileURLToPath(import.meta.resolve("@electric-sql/pglite"));
  const hash = createHash("sha256");
  hash.update(await readFile(join(dirname(pgliteMain), "..", "package.json")));
  for (const file of ["./pglite/index.js", "./pglite/initdb.js"]) hash.update(await readFile(new URL(file, import.meta.url)));
  const shared = join(tmpdir(), `gw-pglite-template-${hash.digest("hex").slice(0, 16)}`);
  const ready = () => stat(join(shared, "PG_VERSION")).then(() => true, () => false);
  if (await ready()) return shared;
  const building = await mkdtemp(join(tmpdir(), "gw-pglite-template-build-"));
  try {
    const data = join(building, "data");
    const { openPglite } = await import("./pglite/index.js");
    await (await openPglite(data)).close();
    await rename(data, shared).catch(async (error: unknown) => {
      if (!(await ready())) throw error;
    });
  } finally {
    await rm(building, { recursive: true, force: true });
  }
  return shared;
}

/** Runs one statement on the administrative database with a client of its own. */
async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  client.on("error", () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

