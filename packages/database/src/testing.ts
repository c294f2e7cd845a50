/**
 * Helpers for tests that use real PostgreSQL, for this package and for the services.
 *
 * Tests get a database of their own (`createTestDatabase`) so test files can run in parallel against
 * one server. DESIGN.md section 5: on CI PostgreSQL is required, so a test that needs it FAILS
 * there when it is missing; on a developer machine without it the test is skipped, with the reason.
 *
 * The server is `TEST_DATABASE_URL`, by default the local trust-auth superuser.
 */

import { randomBytes } from "node:crypto";
import type { TestContext } from "node:test";
import pg from "pg";

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

/** Creates an empty database `test_<random>` on the test server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `test_${randomBytes(6).toString("hex")}`;
  await admin(`CREATE DATABASE ${name}`);
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
  if (await postgresAvailable()) return true;
  const reason = `PostgreSQL not reachable at ${redacted(testDatabaseUrl())} (set TEST_DATABASE_URL)`;
  if (process.env.CI === "true") throw new Error(`${reason}; it is required when CI=true`);
  t.skip(reason);
  return false;
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

/** The URL without its password, fit for a skip message or a CI log. */
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "TEST_DATABASE_URL (unparseable)";
  }
}
