/**
 * The distributed `Database`: real PostgreSQL through a `pg` Pool.
 *
 * - Every `query` runs as a named prepared statement, named by a hash of its text: measured at
 *   10.2k q/s against 7.2k for plain `pg`, with the best p99 (docs/architecture.md, "Measured").
 * - Type parsers are this pool's own (`types` in the pool config), never pg's global table, so
 *   nothing else in the process changes how it reads BIGINT or NUMERIC.
 * - An idle client whose server went away (PostgreSQL restarted, or a backend was terminated)
 *   makes the pool emit `error`; without a listener Node would crash the process. pg has already
 *   dropped that client, and the next query opens a fresh connection.
 */

import { createHash } from "node:crypto";
import pg from "pg";
import { DEFAULT_POOL_SIZE, type Database, type PoolStats, type QueryOptions, type Row, type Transaction } from "../index.js";
import { rethrowClassified } from "./unavailable.js";

/** How long to wait for a connection or a free pool slot before failing the query. */
const CONNECT_TIMEOUT_MS = 10_000;

/** BIGINT (20) and NUMERIC (1700) as JS numbers; every other type as pg reads it (timestamptz: Date). */
const NUMBER_TYPES = new Set<number>([20, 1700]);

const poolTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    NUMBER_TYPES.has(oid) && format !== "binary"
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig["getTypeParser"],
};

/** Opens a pool on `url`; connections are made on first use. */
export async function openPostgres(url: string, poolSize: number = DEFAULT_POOL_SIZE): Promise<Database> {
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw new RangeError(`poolSize must be a positive integer, got ${poolSize}`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types: poolTypes,
    keepAlive: true,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  pool.on("error", () => {
    // An idle client lost its server; see the module comment. The pool has already removed it.
  });
  return new PostgresDatabase(pool);
}

class PostgresDatabase implements Database {
  readonly kind = "postgres";

  constructor(private readonly pool: pg.Pool) {}

  // Options are for the tracing wrapper (tracing.ts); the driver has no use for them.
  query<R extends Row = Row>(sql: string, params?: readonly unknown[], _options?: QueryOptions): Promise<R[]> {
    return run<R>(this.pool, sql, params).catch(rethrowClassified);
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>, _options?: QueryOptions): Promise<T> {
    const client = await this.pool.connect().catch(rethrowClassified);
    // A checked-out client whose connection drops emits `error` (the pool listens only while it
    // is idle); the failing query rejects too, so here it only marks the client as not reusable.
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
    };
    client.on("error", onError);
    try {
      await client.query("BEGIN");
      const result = await fn(wrap(client));
      await client.query("COMMIT");
      return result;
    } catch (error) {
      // A failed ROLLBACK means the connection itself is gone: destroy it rather than reuse it.
      await client.query("ROLLBACK").catch(onError);
      return rethrowClassified(error);
    } finally {
      client.off("error", onError);
      client.release(broken);
    }
  }

  async ping(): Promise<void> {
    await this.pool.query("SELECT 1").catch(rethrowClassified);
  }

  stats(): PoolStats {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }
}

/** Runs `sql` on a pool or a checked-out client as the named statement for its text. */
async function run<R extends Row>(target: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[]) {
  const result = await target.query<R>({ name: statementName(sql), text: sql, values: params ? [...params] : [] });
  return result.rows;
}

/**
 * Distinct SQL texts whose statement names are remembered. Services use a fixed set; SQL text built
 * dynamically would grow the cache without end, so it is emptied when full.
 */
const NAME_CACHE_LIMIT = 2_000;

const names = new Map<string, string>();

/**
 * The statement name for a text. pg prepares a name once per connection and then reuses it, and
 * rejects one name sent with two texts: a hash (80 bits of SHA-1) keeps one text to one name and
 * stays far below PostgreSQL's 63-byte limit on names.
 */
export function statementName(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    name = `s_${createHash("sha1").update(sql).digest("hex").slice(0, 20)}`;
    if (names.size >= NAME_CACHE_LIMIT) names.clear();
    names.set(sql, name);
  }
  return name;
}

/** A checked-out client seen through our interface. */
function wrap(client: pg.PoolClient): Transaction {
  return {
    query: <R extends Row = Row>(sql: string, params?: readonly unknown[]) => run<R>(client, sql, params),
    exec: async (sql: string) => {
      // No name and no values: pg uses the simple protocol, which accepts several statements.
      await client.query(sql);
    },
  };
}
