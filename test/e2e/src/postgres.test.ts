/**
 * The gateway contract with every service on real PostgreSQL (`DATABASE_URL`, one database per
 * service, a `pg` pool each) instead of PGlite: the same code, only the environment differs.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type TestDatabase, createTestDatabase, postgresAvailable, testDatabaseUrl } from "@gw/database/testing";
import { gatewayContract } from "./contract.js";
import { SERVICES, System } from "./harness.js";

async function startOnPostgres() {
  const databases: TestDatabase[] = [];
  for (let i = 0; i < SERVICES.length; i++) databases.push(await createTestDatabase());
  const programEnv = Object.fromEntries(SERVICES.map((name, i) => [name, { DATABASE_URL: (databases[i] as TestDatabase).url }]));
  const system = await System.start({ programEnv });
  return {
    url: system.url,
    async close() {
      await system.close();
      for (const db of databases) await db.drop();
    },
  };
}

const available = await postgresAvailable();
if (!available && process.env.CI === "true") {
  test("postgres - PostgreSQL is required on CI", () => {
    assert.fail(`PostgreSQL is not reachable at ${testDatabaseUrl().replace(/:[^:@/]*@/, ":***@")}`);
  });
} else {
  gatewayContract("every service on PostgreSQL", startOnPostgres, {
    skip: available ? false : "PostgreSQL not reachable: set TEST_DATABASE_URL or start it (CI=true makes this a failure)",
  });
}
