/**
 * The embedded `Database`: PGlite (Postgres compiled to WASM) on a data directory of this machine.
 *
 * Opening takes the directory's lock first, initialises the directory in a child process on the
 * first start, then opens PGlite with settings chosen by measurement (docs/architecture.md, "Measured,
 * to choose with"):
 * - shared_buffers 32MB instead of 128MB: about 100 MB less RSS per service. PGlite reads through
 *   the OS page cache, so a larger buffer pool mostly holds a second copy of the same pages.
 * - fsync on with wal_sync_method=open_datasync: PGlite starts with fsync off, and its Node
 *   filesystem has no fsync at all, so without this a commit is acknowledged while it sits in the
 *   OS cache. open_datasync opens the WAL with O_SYNC, the one path that reaches the disk.
 *
 * PGlite runs one statement at a time; `stats()` counts callers queued behind the running one.
 * Refused data (SQLSTATE classes 22 and 23) becomes a DataError, as on PostgreSQL.
 */

import { mkdir, realpath } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { PGlite, types, type Transaction as PgliteTransaction } from "@electric-sql/pglite";
import { rethrowDataError } from "../data-errors.js";
import type { Database, PoolStats, QueryOptions, Row, Transaction } from "../index.js";
import { ensureInitialised } from "./initdb.js";
import { lockDataDir, type DirLock } from "./lock.js";

/** Postgres settings added to PGlite's own start parameters; see the module comment for why. */
const START_SETTINGS = ["shared_buffers=32MB", "fsync=on", "wal_sync_method=open_datasync"];

/** BIGINT and NUMERIC as JS numbers, the contract of `Queryable.query`; timestamptz is a Date already. */
const PARSERS = { [types.INT8]: Number, [types.NUMERIC]: Number };

/** Locks `dataDir`, initialises it on the first start and opens PGlite on it. */
export async function openPglite(dataDir: string): Promise<Database> {
  const dir = await canonical(dataDir);
  const lock = await lockDataDir(dir);
  try {
    await ensureInitialised(dir);
    const pg = await PGlite.create({ dataDir: dir, parsers: PARSERS, startParams: startParams() });
    return new PgliteDatabase(pg, lock);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/** PGlite's defaults minus `-F` (fsync off), plus our settings. */
function startParams(): string[] {
  const params = PGlite.defaultStartParams.filter((param) => param !== "-F");
  for (const setting of START_SETTINGS) params.push("-c", setting);
  return params;
}

/** One spelling per directory, so `./data/x` and a symlink to it meet at the same lock. */
async function canonical(dataDir: string): Promise<string> {
  const absolute = resolve(dataDir);
  await mkdir(dirname(absolute), { recursive: true });
  return join(await realpath(dirname(absolute)), basename(absolute));
}

class PgliteDatabase implements Database {
  readonly kind = "pglite";
  /** Calls issued and not yet settled: one runs, the rest wait in PGlite's queue. */
  #inFlight = 0;

  constructor(
    private readonly pg: PGlite,
    private readonly lock: DirLock,
  ) {}

  // Options are for the tracing wrapper (tracing.ts); the driver has no use for them.
  query<R extends Row = Row>(sql: string, params?: readonly unknown[], _options?: QueryOptions): Promise<R[]> {
    return this.#counted(async () => (await this.pg.query<R>(sql, params ? [...params] : undefined)).rows).catch(rethrowDataError);
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>, _options?: QueryOptions): Promise<T> {
    return this.#counted(() => this.pg.transaction((tx) => fn(wrap(tx)))).catch(rethrowDataError);
  }

  async ping(): Promise<void> {
    await this.query("SELECT 1");
  }

  stats(): PoolStats {
    const busy = this.#inFlight > 0 ? 1 : 0;
    return { total: 1, idle: 1 - busy, waiting: this.#inFlight - busy };
  }

  async close(): Promise<void> {
    try {
      if (!this.pg.closed) await this.pg.close();
    } finally {
      await this.lock.release();
    }
  }

  async #counted<T>(run: () => Promise<T>): Promise<T> {
    this.#inFlight++;
    try {
      return await run();
    } finally {
      this.#inFlight--;
    }
  }
}

/** PGlite's transaction handle seen through our interface. */
function wrap(tx: PgliteTransaction): Transaction {
  return {
    query: async <R extends Row = Row>(sql: string, params?: readonly unknown[]) =>
      (await tx.query<R>(sql, params ? [...params] : undefined)).rows,
    exec: async (sql: string) => {
      await tx.exec(sql);
    },
  };
}
