/**
 * Timestamped SQL migrations and run-once seeds, in a few lines on purpose: they must run unchanged
 * on PGlite and on `pg` behind our `Database` interface, and migration libraries each bind to one
 * driver (and usually to their own connection handling).
 *
 * Files are named `20261124000000_create_users.sql`; the 14-digit timestamp is the version. Each
 * file runs in its own transaction together with its row in `schema_migrations`, so a file is
 * either applied and recorded or neither. Several instances starting at once on one PostgreSQL
 * database are safe: each transaction takes a transaction-scoped advisory lock (advisory locks
 * are per database) and re-checks the version once it holds it. Hence a file must not hold its own
 * BEGIN/COMMIT, nor statements PostgreSQL refuses inside a transaction (CREATE INDEX CONCURRENTLY).
 */

import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Database, Transaction } from "./index.js";

/** The advisory lock key every migrator of a database agrees on (an arbitrary constant). */
const MIGRATION_LOCK_KEY = 7_208_152_026;

/** A migration file that could not be applied; nothing of it was kept. */
export class MigrationError extends Error {
  constructor(
    readonly file: string,
    options: { cause: unknown },
  ) {
    super(`migration ${file} failed and was rolled back: ${reasonOf(options.cause)}`, options);
    this.name = "MigrationError";
  }
}

const MIGRATION_FILE = /^(\d{14})_[A-Za-z0-9_-]+\.sql$/;

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version text PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** Applies the files of `migrationsDir` not yet applied, in name order; returns their versions. */
export async function migrate(db: Database, migrationsDir: string): Promise<string[]> {
  const files = await migrationFiles(migrationsDir);
  await ensureTable(db);
  const rows = await db.query<{ version: string }>("SELECT version FROM schema_migrations");
  const done = new Set(rows.map((row) => row.version));
  const applied: string[] = [];
  for (const { version, file } of files) {
    if (done.has(version)) continue;
    const sql = await readFile(join(migrationsDir, file), "utf8");
    const ran = await applyOnce(db, version, sql).catch((cause: unknown) => {
      throw new MigrationError(join(migrationsDir, file), { cause });
    });
    if (ran) applied.push(version);
  }
  return applied;
}

/**
 * Runs `sql` once per database, recorded as version `seed:<name>`: demo data goes in on the first
 * start only, and a restart adds nothing back even after the demo rows were deleted.
 * Resolves true when it ran now.
 */
export async function seedOnce(db: Database, name: string, sql: string): Promise<boolean> {
  await ensureTable(db);
  return applyOnce(db, `seed:${name}`, sql);
}

/** The migration files in version order; a `.sql` file with another name is a mistake worth stopping for. */
async function migrationFiles(dir: string): Promise<{ version: string; file: string }[]> {
  const files = (await readdir(dir)).filter((name) => name.endsWith(".sql")).sort();
  const seen = new Map<string, string>();
  return files.map((file) => {
    const version = MIGRATION_FILE.exec(file)?.[1];
    if (version === undefined) {
      throw new Error(`migration ${join(dir, file)}: expected a name like 20261124000000_create_users.sql`);
    }
    const other = seen.get(version);
    if (other !== undefined) throw new Error(`migrations ${other} and ${file} in ${dir} share version ${version}`);
    seen.set(version, file);
    return { version, file };
  });
}

/** Under the lock: concurrent CREATE TABLE IF NOT EXISTS can still collide in PostgreSQL's catalog. */
async function ensureTable(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    await lock(tx);
    await tx.exec(CREATE_TABLE);
  });
}

/** Runs `sql` and records `version` in one transaction, unless another migrator got there first. */
function applyOnce(db: Database, version: string, sql: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    await lock(tx);
    const rows = await tx.query("SELECT 1 FROM schema_migrations WHERE version = $1", [version]);
    if (rows.length > 0) return false;
    await tx.exec(sql);
    await tx.query("INSERT INTO schema_migrations (version) VALUES ($1)", [version]);
    return true;
  });
}

function reasonOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

async function lock(tx: Transaction): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
}
