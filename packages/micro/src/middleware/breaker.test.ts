/**
 * Circuit breakers against a real server over HTTP: a backend driven into failure opens the
 * breaker, which then fails fast without reaching it; after the half-open delay one probe goes
 * through, and a recovered backend closes the breaker again. Client errors never open it.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import { Client } from "../client/index.js";
import { defineService } from "../contract/index.js";
import { MicroError, badRequest, internal } from "../errors/index.js";
import { Metrics } from "../metrics/index.js";
import { MemoryRegistry } from "../registry/memory.js";
import { RoundRobinSelector } from "../selector/index.js";
import { Server } from "../server/index.js";
import { HttpTransport } from "../transport/http/index.js";
import { circuitBreakers } from "./breaker.js";

const flaky = defineService({
  name: "flaky",
  handler: "Flaky",
  endpoints: { Call: { request: Type.Object({}), response: Type.Object({ ok: Type.Boolean() }) } },
});

async function backend(mode: { value: "ok" | "fail" | "reject" }) {
  const state = { invocations: 0 };
  const server = new Server({ name: "flaky" }).handle(flaky, {
    Call: async () => {
      state.invocations++;
      if (mode.value === "fail") throw internal("flaky", "internal error");
      if (mode.value === "reject") throw badRequest("flaky", "request: bad");
      return { ok: true };
    },
  });
  const listener = await new HttpTransport().listen("127.0.0.1:0", server.serve);
  const registry = new MemoryRegistry();
  await registry.register({ name: "flaky", version: "1", endpoints: server.endpoints(), nodes: [{ id: "flaky-1", address: listener.address, metadata: {} }] }, { ttlMs: 60_000 });
  const metrics = new Metrics("test");
  const client = new Client({
    contracts: [flaky] as const,
    selector: new RoundRobinSelector(registry),
    transport: new HttpTransport().client(),
    wrappers: [circuitBreakers({ threshold: 0.5, samplingMs: 1000, minimumRps: 5, halfOpenAfterMs: 300, metrics })],
  });
  after(async () => {
    await client.close();
    await listener.close(0);
    await registry.close();
  });
  return { state, client, metrics };
}

async function outcome(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    assert.ok(error instanceof MicroError);
    return error.code;
  }
}

/** Calls the failing backend until the breaker answers for it; returns how many 500s it took. */
async function driveUntilOpen(client: Awaited<ReturnType<typeof backend>>["client"]): Promise<number> {
  for (let failures = 0; failures < 50; failures++) {
    const code = await outcome(client.call("flaky", "Flaky.Call", {}));
    if (code === 503) return failures;
    assert.equal(code, 500, "the backend's own failures until the breaker opens");
  }
  assert.fail("the breaker never opened");
}

async function breakerGauge(metrics: Metrics): Promise<number | undefined> {
  const metric = await metrics.breakerState.get();
  return metric.values.find((v) => v.labels.service === "flaky")?.value;
}

describe("breaker", () => {
  it("breaker - opens on failures, fails fast, probes when half-open and closes on recovery", async () => {
    const mode = { value: "fail" as "ok" | "fail" | "reject" };
    const { state, client, metrics } = await backend(mode);
    assert.ok((await driveUntilOpen(client)) <= 20, "opened within 20 failing calls");
    assert.equal(await breakerGauge(metrics), 2, "open");

    const reached = state.invocations;
    const started = performance.now();
    const fast = await client.call("flaky", "Flaky.Call", {}).catch((e: unknown) => e);
    assert.ok(fast instanceof MicroError && fast.code === 503, "an open breaker answers 503");
    assert.match(fast.detail, /circuit open/);
    assert.equal(state.invocations, reached, "the backend was not reached");
    assert.ok(performance.now() - started < 50, "at once");

    mode.value = "ok";
    await new Promise((r) => setTimeout(r, 350));
    assert.equal(await outcome(client.call("flaky", "Flaky.Call", {})), 200, "the half-open probe goes through");
    assert.equal(state.invocations, reached + 1);
    assert.equal(await breakerGauge(metrics), 0, "closed again");
    for (let i = 0; i < 5; i++) assert.equal(await outcome(client.call("flaky", "Flaky.Call", {})), 200);
  });

  it("breaker - a failed probe keeps it open", async () => {
    const mode = { value: "fail" as "ok" | "fail" | "reject" };
    const { client, metrics } = await backend(mode);
    await driveUntilOpen(client);
    await new Promise((r) => setTimeout(r, 350));
    assert.equal(await outcome(client.call("flaky", "Flaky.Call", {})), 500, "the probe reaches the still-failing backend");
    assert.equal(await breakerGauge(metrics), 2);
    assert.equal(await outcome(client.call("flaky", "Flaky.Call", {})), 503);
  });

  it("breaker - client errors (4xx) never open it", async () => {
    const mode = { value: "reject" as "ok" | "fail" | "reject" };
    const { state, client, metrics } = await backend(mode);
    for (let i = 0; i < 30; i++) assert.equal(await outcome(client.call("flaky", "Flaky.Call", {})), 400);
    assert.equal(state.invocations, 30);
    assert.equal(await breakerGauge(metrics), 0);
  });
});
