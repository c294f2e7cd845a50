/**
 * Losing an instance under load: two users instances on NATS discovery and PostgreSQL, load
 * through the gateway, then SIGKILL of one instance (no deregistration: its registration stays
 * until its TTL). The scenario measures and prints the failed requests and how long failures
 * lasted; none may come after the TTL. Run on both transports.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { type TestDatabase, createTestDatabase, postgresAvailable } from "@gw/database/testing";
import { natsAvailable, testNatsUrl } from "@gw/micro/nats/testing";
import { deleteBucket } from "./cluster.js";
import { System } from "./harness.js";
import { send } from "./http.js";

const TTL_MS = 3000;
const LOAD_MS = 9000;
const KILL_AT_MS = 2500;
const WORKERS = 16;

const available = (await postgresAvailable()) && (await natsAvailable());

interface Outcome {
  readonly at: number;
  readonly status: number;
}

describe("scale - SIGKILL of one users instance under load", { skip: available || process.env.CI === "true" ? false : "PostgreSQL or NATS not reachable" }, () => {
  for (const transport of ["http", "nats"] as const) {
    test(`scale - failures are few and stop within the TTL (${transport} transport)`, async (t) => {
      assert.ok(available, "PostgreSQL and NATS are required on CI");
      const bucket = `test_scale_${randomBytes(4).toString("hex")}`;
      const databases: TestDatabase[] = [];
      for (let i = 0; i < 3; i++) databases.push(await createTestDatabase());
      const [users, products, orders] = databases.map((d) => ({ DATABASE_URL: d.url }));
      const system = await System.start({
        env: { MICRO_REGISTRY: "nats", MICRO_REGISTRY_ADDRESS: testNatsUrl(), MICRO_REGISTRY_BUCKET: bucket, MICRO_TRANSPORT: transport, MICRO_REGISTER_TTL_MS: String(TTL_MS) },
        programEnv: { users, products, orders },
        instances: { users: 2 },
      });
      try {
        await system.until("/users/1", 200);
        const outcomes = await loadWithKill(system);
        const killedAt = KILL_AT_MS;
        const failed = outcomes.filter((o) => o.status !== 200);
        const lastFailure = failed.length ? Math.max(...failed.map((o) => o.at)) - killedAt : 0;
        const summary = `${transport}: ${outcomes.length} requests, ${failed.length} failed (${((100 * failed.length) / outcomes.length).toFixed(3)} %), statuses ${[...new Set(failed.map((f) => f.status))].join(",") || "-"}, last failure ${lastFailure} ms after the kill (TTL ${TTL_MS} ms)`;
        t.diagnostic(summary);
        console.log(`# scale ${summary}`);
        assert.ok(outcomes.length > 1000, "the load ran");
        assert.ok(failed.every((o) => o.at < killedAt + TTL_MS + 1000), `no failure after the TTL: ${summary}`);
        assert.ok(failed.length / outcomes.length < 0.01, `under 1 % failed: ${summary}`);
      } finally {
        await system.close();
        for (const db of databases) await db.drop();
        await deleteBucket(testNatsUrl(), bucket);
      }
    });
  }
});

/** Runs WORKERS request loops for LOAD_MS and SIGKILLs `users#2` at KILL_AT_MS; times are relative to the start. */
async function loadWithKill(system: System): Promise<Outcome[]> {
  const started = Date.now();
  const outcomes: Outcome[] = [];
  const killer = new Promise<void>((resolve) => setTimeout(() => void system.stop("users#2", "SIGKILL").then(() => resolve()), KILL_AT_MS));
  const worker = async () => {
    while (Date.now() - started < LOAD_MS) {
      const status = await send(system.url, "GET", "/users?id=1").then((r) => r.status, () => 0);
      outcomes.push({ at: Date.now() - started, status });
    }
  };
  await Promise.all([killer, ...Array.from({ length: WORKERS }, worker)]);
  return outcomes;
}
