/**
 * The fault suite, reduced for `npm test`: two short scenarios on TCP against real processes on a
 * private PostgreSQL and NATS, asserting only the hard invariants: no acknowledged order lost or
 * made twice, every unanswered order's same-key retry answered with the one order, no process died
 * but the victim, and the system ready again afterwards. Availability figures are printed, not
 * asserted: `npm run chaos` reports them in full.
 */
import assert from "node:assert/strict";
import { type TestContext, after, before, describe, test } from "node:test";
import { missingServers, startNats, startPostgres } from "../servers.js";
import { CONNECTIONS, type RunSettings, type ScenarioResult, runScenario } from "./run.js";
import { DEFAULT_FAULTS, type ScenarioName } from "./scenarios.js";
import type { Servers } from "./topology.js";

const SETTINGS: RunSettings = {
  transport: "tcp",
  warmupMs: 1500,
  afterMs: 1500,
  seed: 7,
  connections: CONNECTIONS,
  faults: { ...DEFAULT_FAULTS, pauseMs: 3000, replaceAfterMs: 1000 },
};
const SCENARIO_TIMEOUT_MS = 90_000;

function assertInvariants(r: ScenarioResult, t: TestContext): void {
  const a = r.availability;
  const o = r.orders;
  const said = `${r.scenario}: ${a.requests} requests, ${a.failed} failed ${JSON.stringify(a.failures)}; orders ${o.acknowledged} acknowledged, ${o.unanswered} unanswered (${o.unansweredThenFound} committed all the same)`;
  t.diagnostic(said);
  assert.ok(a.requests > 100 && o.acknowledged > 0, `the load ran: ${said}`);
  assert.deepEqual(r.findings, [], "no process died but the victim, and the system is ready again");
  assert.deepEqual(o.problems, [], "the orders invariants hold");
  assert.equal(o.lost, 0);
  assert.equal(o.doubled, 0);
  assert.equal(o.retriesFailed, 0);
}

const missing = await missingServers();
if (missing && process.env.CI === "true") {
  test("chaos - a private NATS and PostgreSQL are required on CI", () => {
    assert.fail(`${missing}; they are required when CI=true`);
  });
} else {
  describe("chaos - faults under load on TCP", { skip: missing ? `${missing} (CI=true makes this a failure)` : false }, () => {
    let servers: Servers | undefined;
    let index = 0;
    const run = (name: ScenarioName) => {
      assert.ok(servers);
      return runScenario(name, servers, index++, SETTINGS);
    };

    before(async () => {
      const [nats, postgres] = await Promise.all([startNats(), startPostgres()]);
      servers = { nats, postgres };
    });
    after(async () => {
      await Promise.allSettled([servers?.nats.close(), servers?.postgres.close()]);
    });

    test("chaos - SIGKILL of one orders instance: no acknowledged order lost or doubled, only the victim died, ready again", { timeout: SCENARIO_TIMEOUT_MS }, async (t) => {
      const result = await run("kill-orders");
      assertInvariants(result, t);
      assert.ok(result.fault.events.some((e) => e.what === "orders#2 registered"), "the replacement registered");
    });

    test("chaos - a short SIGSTOP of one users instance: no acknowledged order lost or doubled, nothing died, ready again", { timeout: SCENARIO_TIMEOUT_MS }, async (t) => {
      assertInvariants(await run("stop-users"), t);
    });
  });
}
