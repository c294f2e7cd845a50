/**
 * The database a service owns: embedded PGlite by default, real PostgreSQL through a pooled
 * client when `DATABASE_URL` is set. Services see only this interface and plain SQL, so the
 * same store and the same migrations run on both.
 */

import type { CallContext } from "@gw/micro";

export type Row = Record<string, unknown>;

/** What a query is made for, beside its SQL. */
export interface QueryOptions {
  /**
   * The call this query is made for: its SQL span becomes a child of that call's span. Passed
   * explicitly, as go-micro passes `ctx`, because nothing carries it across awaits implicitly
   * (no AsyncLocalStorage: on Node 20 it hooks every promise).
   */
  readonly context?: CallContext;
}

export interface Queryable {
  /**
   * Runs one statement with `$1…` parameters. BIGINT and NUMERIC come back as JS numbers,
   * timestamps as `Date`. Statements are prepared (named by their text) where the driver allows.
   */
  query<R extends Row = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<R[]>;
}

/**
 * The handle a transaction callback gets. `exec` exists for migrations and seeds: a file of several
 * statements cannot be one prepared statement, so it runs through the simple protocol instead.
 */
export interface Transaction extends Queryable {
  /** Runs a script of one or more statements, without parameters and unprepared. */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  /** `pglite` or `postgres`. */
  readonly kind: "pglite" | "postgres";
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws.
   * Inside `fn` use only `tx`: PGlite has one connection, so a call on the database itself would
   * wait for this transaction to end, which waits for the call.
   * `options` apply to every statement of `tx` that does not pass its own.
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: QueryOptions): Promise<T>;
  /** Resolves when the database answers `SELECT 1`. */
  ping(): Promise<void>;
  /** Pool figures for metrics; PGlite reports one connection. */
  stats(): PoolStats;
  close(): Promise<void>;
}

export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
}

export interface DatabaseOptions {
  /** A `postgres://` URL: use real PostgreSQL through a pool. */
  readonly url?: string | undefined;
  /** Where PGlite keeps its files when `url` is not set. */
  readonly dataDir: string;
  /** Maximum pool connections for PostgreSQL. @default 10 */
  readonly poolSize?: number;
}

/** Pool size when `DatabaseOptions.poolSize` is not given. */
export const DEFAULT_POOL_SIZE = 10;

/**
 * PostgreSQL's unique_violation, the same code from PGlite and from `pg`, and kept by the
 * DataError either driver turns it into.
 */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "23505";
}

/** The data directory is held by another live process. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`data directory ${dataDir} is in use by process ${pid}; stop it or set another data directory`);
    this.name = "DataDirLockedError";
  }
}

export { DataError, dataErrorOf } from "./data-errors.js";
export { openDatabase } from "./open.js";
export { MigrationError, migrate, seedOnce } from "./migrate.js";
