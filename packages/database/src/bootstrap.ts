/**
 * Opens a service's own database from the environment, the same way in every service:
 * `DATABASE_URL` selects PostgreSQL, else PGlite under `DATA_DIR/<service>`; migrations run,
 * and the demo data is seeded on the first start only. A failure stops the program with one line.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Env, type Logger, StartupError, exitOnStartupFailure, loadConfig } from "@gw/micro";
import { DEFAULT_POOL_SIZE, DataDirLockedError, type Database } from "./index.js";
import { migrate, seedOnce } from "./migrate.js";
import { openDatabase } from "./open.js";
import { traced } from "./tracing.js";

/** What the database reports to: the service's readiness, metrics and shutdown. */
export interface DatabaseOwner {
  readonly name: string;
  readonly logger: Logger;
  readonly readiness: { add(name: string, check: () => Promise<void>): void };
  readonly metrics: { observePool(name: string, source: Database): void };
  onStop(fn: () => Promise<void>): void;
}

export interface ServiceDatabaseOptions {
  /** The service that owns the database: it is named after it, checks it and closes it. */
  readonly service: DatabaseOwner;
  /** A folder of timestamped `.sql` migrations. */
  readonly migrations: URL;
  /** Demo data, inserted once on the first start unless `SEED_DEMO_DATA=false`. */
  readonly seed?: URL;
  readonly env?: Env;
}

export interface DatabaseConfig {
  readonly url: string | undefined;
  readonly dataDir: string;
  readonly poolSize: number;
  readonly seed: boolean;
}

export function readDatabaseConfig(service: string, env?: Env): DatabaseConfig {
  return loadConfig(
    service,
    (e) => ({
      url: e.url("DATABASE_URL", ["postgres:", "postgresql:"]),
      dataDir: join(resolve(e.string("DATA_DIR", ".data")), service),
      poolSize: e.int("DATABASE_POOL_SIZE", DEFAULT_POOL_SIZE, { min: 1, max: 1000 }),
      seed: e.bool("SEED_DEMO_DATA", true),
    }),
    env,
  );
}

export async function openServiceDatabase(options: ServiceDatabaseOptions): Promise<Database> {
  const owner = options.service;
  const db = traced(await open(owner, options));
  owner.readiness.add("database", () => db.ping());
  owner.metrics.observePool("database", db);
  owner.onStop(() => db.close());
  return db;
}

async function open(owner: DatabaseOwner, options: ServiceDatabaseOptions): Promise<Database> {
  const config = readDatabaseConfig(owner.name, options.env);
  const started = performance.now();
  let db: Database;
  try {
    db = await openDatabase({ url: config.url, dataDir: config.dataDir, poolSize: config.poolSize });
  } catch (error) {
    const reason = error instanceof DataDirLockedError ? error.message : describe(error);
    return exitOnStartupFailure(owner.name, new StartupError(`cannot open the database: ${reason}`, { cause: error }), owner.logger);
  }
  const applied = await migrate(db, fileURLToPath(options.migrations)).catch((error: unknown) =>
    exitOnStartupFailure(owner.name, new StartupError(`cannot migrate the database: ${migrationFailure(error)}`, { cause: error }), owner.logger),
  );
  const seeded = config.seed && options.seed ? await seedOnce(db, "demo", readFileSync(options.seed, "utf8")) : false;
  owner.logger.info(
    { kind: db.kind, dataDir: db.kind === "pglite" ? config.dataDir : undefined, applied, seeded, ms: Math.round(performance.now() - started) },
    "database ready",
  );
  return db;
}

/** A failed migration's own message (its file and the database's complaint); never a connection string. */
function migrationFailure(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A connection failure's code, never its connection string. */
function describe(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? `database unreachable (${code})` : "database unreachable";
}
