/**
 * The run's PostgreSQL databases: one per service, created fresh for the run, prepared the way
 * each service prepares its own (its migrations, its demo seed), given the benchmark users, shared
 * by `direct` and every distributed configuration, and dropped at the end.
 *
 * Sharing them is what makes `direct` a baseline: the same rows, the same indexes, the same
 * server. Orders accumulate over the run in every configuration alike; the round robin over
 * configurations spreads that drift evenly.
 */
import { type Database, migrate, seedOnce } from "@gw/database";
import { openPostgres } from "@gw/database/postgres";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type Service, servicesOf } from "./configs.js";

export interface RunDatabases {
  readonly urls: Readonly<Record<Service, string>>;
  drop(): Promise<void>;
}

/** Undefined when PostgreSQL answers at `adminUrl`, else why not (without the password). */
export async function probePostgres(adminUrl: string): Promise<string | undefined> {
  let db: Database | undefined;
  try {
    db = await openPostgres(adminUrl, 1);
    await db.ping();
    return undefined;
  } catch (error) {
    // The pool wraps "server away" in DependencyUnavailableError; the socket's code is in its cause.
    const cause = (error as { cause?: unknown }).cause ?? error;
    const code = (cause as { code?: unknown }).code;
    return `PostgreSQL not reachable at ${new URL(adminUrl).host} (${typeof code === "string" ? code : (cause as Error).message})`;
  } finally {
    await db?.close().catch(() => undefined);
  }
}

/** Creates `bench_<runId>_<service>` for each service, migrated and seeded, plus `users` more users. */
export async function createDatabases(root: string, adminUrl: string, runId: string, users: number): Promise<RunDatabases> {
  const services = servicesOf(root);
  const names = Object.fromEntries(services.map((s) => [s, `bench_${runId}_${s}`])) as Record<Service, string>;
  const admin = await openPostgres(adminUrl, 1);
  const created: string[] = [];
  const drop = async () => {
    const db = await openPostgres(adminUrl, 1);
    try {
      for (const name of created) await db.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await db.close();
    }
  };
  try {
    for (const s of services) {
      const name = names[s] as string;
      await admin.query(`CREATE DATABASE "${name}"`);
      created.push(name);
    }
  } catch (error) {
    await admin.close();
    await drop().catch(() => undefined);
    throw error;
  }
  await admin.close();
  const urls = Object.fromEntries(services.map((s) => [s, withDatabase(adminUrl, names[s] as string)])) as Record<Service, string>;
  try {
    for (const s of services) await prepare(root, s, urls[s] as string, s === "users" ? users : 0);
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
  return { urls, drop };
}

/** What the service does at its first start (its migrations, its seed), then the extra users. */
async function prepare(root: string, service: Service, url: string, users: number): Promise<void> {
  const db = await openPostgres(url, 1);
  try {
    await migrate(db, join(root, "services", service, "migrations"));
    const seed = join(root, "services", service, "seeds", "demo.sql");
    if (existsSync(seed)) await seedOnce(db, "demo", await readFile(seed, "utf8"));
    if (users > 0) {
      // After the seed's setval, so the new ids follow the demo users: 4, 5, … 3 + users.
      await db.query(
        `INSERT INTO users (email, name) SELECT 'bench-' || g || '@example.com', 'Bench user ' || g FROM generate_series(1, $1::int) AS g`,
        [users],
      );
    }
  } finally {
    await db.close();
  }
}

function withDatabase(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
