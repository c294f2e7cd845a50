/**
 * Chooses the database from configuration alone (docs/architecture.md, "Programs"): real PostgreSQL
 * when a URL is given (`DATABASE_URL`), the embedded PGlite data directory otherwise.
 *
 * The drivers are imported on demand, so a service on PostgreSQL never loads PGlite and its WASM
 * build, and an embedded one never loads `pg`.
 */

import { DEFAULT_POOL_SIZE, type Database, type DatabaseOptions } from "./index.js";

/** Opens PostgreSQL when `options.url` is set (non-empty), else PGlite on `options.dataDir`. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const { openPostgres } = await import("./postgres/index.js");
    return openPostgres(options.url, options.poolSize ?? DEFAULT_POOL_SIZE);
  }
  const { openPglite } = await import("./pglite/index.js");
  return openPglite(options.dataDir);
}
