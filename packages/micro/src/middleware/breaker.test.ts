/**
 * Circuit breakers against a real server over HTTP: a backend driven into failure opens the
 * breaker, which then fails fast without reaching it; after the half-open delay one probe goes
 * through, and a recovered backend closes the breaker again. The breaker's time is a manual clock,
 * so the half-open delays are crossed by advancing it, to the millisecond, not by sleeping. Client errors never open it, nor do
 * failures the caller made itself (no node, a refused connection, a registry that is down, a
 * request it cannot encode); the callee's timeouts and broken connections do.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { type AddressInfo, type Socket, createServer } from "node:net";
import { after, describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import { Client } from "../client/index.js";
import { defineService } from "../contract/index.js";
import { MicroError, badRequest, internal } from "../errors/index.js";
import { Metrics } from "../metrics/index.js";
import type { Registry } from "../registry/index.js";
import { MemoryRegistry } from "../registry/memory.js";
import { NatsRegistry } from "../nats/registry/index.js";
import { RoundRobinSelector } from "../selector/index.js";
import { Server } from "../server/index.js";
import { closedPort } from "../transport/conformance.js";
import { HttpTransport } from "../http/index.js";
import { circuitBreakers } from "./breaker.js";
import { ManualClock, endpointNamed } from "../testing.js";

const flaky = defineService({
  name: "flaky",
  handler: "Flaky",
  endpoints: {
    Call: { request: Type.Object({}), response: Type.Object({ ok: Type.Boolean() }) },
    Slow: { request: Type.Object({}), response: Type.Object({}) },
  },
});

const BREAKER = { threshold: 0.5, samplingMs: 1000, minimumRps: 5, halfOpenAfterMs: 300 } as const;

async function backend(mode: { value: "ok" | "fail" | "reject" }) {
  const registry = new MemoryRegistry();
  const { state, listener } = await serveFlaky(registry, mode);
  const { client, metrics, clock } = breakerClient(registry);
  after(() => listener.close(0));
  return { state, client, metrics, clock };
}

/** A healthy flaky node registered in `registry`, closed after the test file. */
async function backendOn(registry: Registry) {
  const { state, listener } = await serveFlaky(registry, { value: "ok" });
  after(() => listener.close(0));
  return { state };
}

async function serveFlaky(registry: Registry, mode: { value: "ok" | "fail" | "reject" }) {
  const state = { invocations: 0 };
  const server = new Server({ name: "flaky" }).handle(flaky, {
    Call: async () => {
      state.invocations++;
      if (mode.value === "fail") throw internal("flaky", "internal error");
      if (mode.value === "reject") throw badRequest("flaky", "request: bad");
      return { ok: true };
    },
    Slow: async () => {
      state.invocations++;
      // Slow on purpose, well past the client's timeout: the slowness is what the test is about.
      await new Promise((resolve) => setTimeout(resolve, 500).unref());
      return {};
    },
  });
  const listener = await new HttpTransport().listen("127.0.0.1:0", server.serve);
  await registerAt(registry, "flaky-1", listener.address);
  return { state, listener };
}

/** A client on `registry` with a breaker, its own metrics and its manual clock; closed after the test file. */
function breakerClient(registry: Registry, timeoutMs = 5000) {
  const metrics = new Metrics("test");
  const clock = new ManualClock();
  const client = new Client({
    contracts: [flaky] as const,
    selector: new RoundRobinSelector(registry),
    transport: new HttpTransport().client(),
    timeoutMs,
    wrappers: [circuitBreakers({ ...BREAKER, metrics, now: clock.now })],
  });
  after(async () => {
    await client.close();
    await registry.close();
  });
  return { client, metrics, clock };
}

/** A node that accepts the connection, reads the request, then drops the connection. */
async function breakingNode(): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once("data", () => socket.destroy());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function registerAt(registry: Registry, id: string, address: string): Promise<void> {
  const endpoints = [endpointNamed("Flaky.Call"), endpointNamed("Flaky.Slow")];
  await registry.register({ name: "flaky", version: "1", endpoints, nodes: [{ id, address, metadata: {} }] }, { ttlMs: 60_000 });
}

/** The failure of `call`, which must fail. */
async function failureOf(call: Promise<unknown>): Promise<MicroError> {
  const error = await call.then(
    () => assert.fail("the call succeeded"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof MicroError, String(error));
  return error;
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
    const { state, client, metrics, clock } = await backend(mode);
    assert.ok((await driveUntilOpen(client)) <= 20, "opened within 20 failing calls");
    assert.equal(await breakerGauge(metrics), 2, "open");

    const reached = state.invocations;
    const fast = await client.call("flaky", "Flaky.Call", {}).catch((e: unknown) => e);
    assert.ok(fast instanceof MicroError && fast.code === 503, "an open breaker answers 503");
    assert.equal(fast.reason, "circuit_open");
    assert.equal(state.invocations, reached, "the backend was not reached");

    mode.value = "ok";
    clock.advance(BREAKER.halfOpenAfterMs - 1);
    assert.equal(await outcome(client.call("flaky", "Flaky.Call", {})), 503, "still open 1 ms before the wait is over");
    assert.equal(state.invocations, reached);
    clock.advance(1);
    assert.equal(await outcome(client.call("flaky", "Flaky.Call", {})), 200, "the half-open probe goes through");
    assert.equal(state.invocations, reached + 1);
    assert.equal(await breakerGauge(metrics), 0, "closed again");
    for (let i = 0; i < 5; i++) assert.equal(await outcome(client.call("flaky", "Flaky.Call", {})), 200);
  });

  it("breaker - a failed probe keeps it open, and the next wait is twice as long", async () => {
    const mode = { value: "fail" as "ok" | "fail" | "reject" };
    const { state, client, metrics, clock } = await backend(mode);
    await driveUntilOpen(client);
    clock.advance(BREAKER.halfOpenAfterMs);
    assert.equal(await outcome(client.call("flaky", "Flaky.Call", {})), 500, "the probe reaches the still-failing backend");
    assert.equal(await breakerGauge(metrics), 2);
    assert.equal(await outcome(client.call("flaky", "Flaky.Call", {})), 503);
    mode.value = "ok";
    const reached = state.invocations;
    clock.advance(2 * BREAKER.halfOpenAfterMs - 1);
    assert.equal(await outcome(client.call("flaky", "Flaky.Call", {})), 503, "the doubled wait is not over 1 ms before its end");
    clock.advance(1);
    assert.equal(await outcome(client.call("flaky", "Flaky.Call", {})), 200, "the probe goes through once the doubled wait is over");
    assert.equal(state.invocations, reached + 1);
    assert.equal(await breakerGauge(metrics), 0);
  });

  it("breaker - the wait doubles with each opening in a row, up to its maximum, and starts over once closed", async () => {
    const registry = new MemoryRegistry();
    const mode = { value: "fail" as "ok" | "fail" | "reject" };
    const { listener } = await serveFlaky(registry, mode);
    after(() => listener.close(0));
    const clock = new ManualClock();
    const client = new Client({
      contracts: [flaky] as const,
      selector: new RoundRobinSelector(registry),
      transport: new HttpTransport().client(),
      wrappers: [circuitBreakers({ ...BREAKER, maxHalfOpenAfterMs: 1000, now: clock.now })],
    });
    after(() => client.close());
    const call = () => outcome(client.call("flaky", "Flaky.Call", {}));
    await driveUntilOpen(client);
    for (const waitMs of [300, 600, 1000, 1000]) {
      clock.advance(waitMs - 1);
      assert.equal(await call(), 503, `not yet after ${waitMs - 1} ms`);
      clock.advance(1);
      assert.equal(await call(), 500, `probed after ${waitMs} ms`);
    }
    mode.value = "ok";
    clock.advance(1000);
    assert.equal(await call(), 200, "closed by a good probe");
    mode.value = "fail";
    // Past the sampling window, so the old failures do not reopen it at the first new one.
    clock.advance(BREAKER.samplingMs);
    await driveUntilOpen(client);
    clock.advance(BREAKER.halfOpenAfterMs);
    assert.equal(await call(), 500, "the first wait again: probed after it");
  });

  it("breaker - calls during a half-open probe wait for its outcome and follow it", async () => {
    const registry = new MemoryRegistry();
    const mode = { value: "fail" as "ok" | "fail" | "reject" };
    const { state, listener } = await serveFlaky(registry, mode);
    after(() => listener.close(0));
    const { client, clock } = breakerClient(registry);
    await driveUntilOpen(client);
    mode.value = "ok";
    clock.advance(BREAKER.halfOpenAfterMs);
    const reached = state.invocations;
    const codes = await Promise.all(Array.from({ length: 5 }, () => outcome(client.call("flaky", "Flaky.Call", {}))));
    assert.deepEqual(codes, [200, 200, 200, 200, 200]);
    assert.equal(state.invocations, reached + 5, "the probe first, then the others once it closed the breaker");
  });

  it("breaker - failures older than the sampling window do not count", async () => {
    const { client, metrics, clock } = await backend({ value: "fail" });
    // One call fewer than the minimum (5 a second over 1 s) that lets it judge.
    for (let i = 0; i < 4; i++) assert.equal(await outcome(client.call("flaky", "Flaky.Call", {})), 500);
    clock.advance(BREAKER.samplingMs);
    assert.equal(await outcome(client.call("flaky", "Flaky.Call", {})), 500);
    assert.equal(await breakerGauge(metrics), 0, "one recent failure is too few to judge");
    for (let i = 0; i < 3; i++) assert.equal(await outcome(client.call("flaky", "Flaky.Call", {})), 500);
    assert.equal(await outcome(client.call("flaky", "Flaky.Call", {})), 500, "the fifth recent failure");
    assert.equal(await breakerGauge(metrics), 2, "five recent failures open it");
  });

  it("breaker - client errors (4xx) never open it", async () => {
    const mode = { value: "reject" as "ok" | "fail" | "reject" };
    const { state, client, metrics } = await backend(mode);
    for (let i = 0; i < 30; i++) assert.equal(await outcome(client.call("flaky", "Flaky.Call", {})), 400);
    assert.equal(state.invocations, 30);
    assert.equal(await breakerGauge(metrics), 0);
  });

  it("breaker - failures the caller made never open it: no node, refused connections, a request it cannot encode", async () => {
    const registry = new MemoryRegistry();
    const { client, metrics } = breakerClient(registry);
    const expectLocal = async (call: Promise<unknown>, code: number, reason: string) => {
      const error = await failureOf(call);
      assert.deepEqual([error.code, error.local, error.reason], [code, true, reason], error.detail);
    };
    for (let i = 0; i < 30; i++) await expectLocal(client.call("flaky", "Flaky.Call", {}), 503, "no_node");
    await registerAt(registry, "dead", await closedPort());
    for (let i = 0; i < 30; i++) await expectLocal(client.call("flaky", "Flaky.Call", {}), 503, "no_node");
    for (let i = 0; i < 30; i++) await expectLocal(client.callRaw("flaky", "Flaky.Call", { n: 1n }), 400, "unencodable_request");
    assert.equal(await breakerGauge(metrics), 0, "closed");

    // The service comes back: its first call goes through, not a 503 from an open circuit.
    const { state } = await backendOn(registry);
    await registry.deregister({ name: "flaky", version: "1", endpoints: [], nodes: [{ id: "dead", address: "", metadata: {} }] });
    assert.equal(await outcome(client.call("flaky", "Flaky.Call", {})), 200);
    assert.equal(state.invocations, 1);
  });

  it("breaker - a registry that is down never opens it", async () => {
    const { client, metrics } = breakerClient(new NatsRegistry({ servers: `nats://${await closedPort()}`, operationTimeoutMs: 200 }));
    for (let i = 0; i < 30; i++) {
      const error = await failureOf(client.call("flaky", "Flaky.Call", {}));
      assert.deepEqual([error.code, error.local, error.reason], [503, true, "registry_unavailable"]);
    }
    assert.equal(await breakerGauge(metrics), 0);
  });

  it("breaker - the callee's timeouts open it", async () => {
    const registry = new MemoryRegistry();
    await backendOn(registry);
    const { client, metrics } = breakerClient(registry, 50);
    const codes = new Set<number>();
    for (let i = 0; i < 30 && (await breakerGauge(metrics)) !== 2; i++) {
      const error = await failureOf(client.call("flaky", "Flaky.Slow", {}));
      codes.add(error.code);
      assert.equal(error.local, false);
    }
    assert.deepEqual([...codes], [504]);
    assert.equal(await breakerGauge(metrics), 2, "open");
    assert.equal((await failureOf(client.call("flaky", "Flaky.Slow", {}))).reason, "circuit_open");
  });

  it("breaker - connections the callee breaks open it", async () => {
    const registry = new MemoryRegistry();
    await registerAt(registry, "breaking", await breakingNode());
    const { client, metrics } = breakerClient(registry);
    for (let i = 0; i < 30 && (await breakerGauge(metrics)) !== 2; i++) {
      const error = await failureOf(client.call("flaky", "Flaky.Call", {}));
      assert.deepEqual([error.code, error.local, error.reason], [503, false, "connection_lost"], error.detail);
    }
    assert.equal(await breakerGauge(metrics), 2, "open");
  });

  it("breaker - its own 'circuit open' is made locally, so no other breaker counts it", async () => {
    const { client } = await backend({ value: "fail" });
    await driveUntilOpen(client);
    const open = await failureOf(client.call("flaky", "Flaky.Call", {}));
    assert.equal(open.local, true);
    assert.deepEqual(open.toJSON(), { id: "flaky", code: 503, detail: open.detail, status: "Service Unavailable", reason: "circuit_open" }, "local stays local");
  });
});
