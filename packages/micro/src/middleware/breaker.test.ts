/**
 * Circuit breakers against a real server over HTTP: a backend driven into failure opens the
 * breaker, which then fails fast without reaching it; after the half-open delay one probe goes
 * through, and a recovered backend closes the breaker again. Client errors never open it, nor do
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
import { endpointNamed } from "../testing.js";

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
  const { client, metrics } = breakerClient(registry);
  after(() => listener.close(0));
  return { state, client, metrics };
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
      await new Promise((resolve) => setTimeout(resolve, 500).unref());
      return {};
    },
  });
  const listener = await new HttpTransport().listen("127.0.0.1:0", server.serve);
  await registerAt(registry, "flaky-1", listener.address);
  return { state, listener };
}

/** A client on `registry` with a breaker and its own metrics; closed after the test file. */
function breakerClient(registry: Registry, timeoutMs = 5000) {
  const metrics = new Metrics("test");
  const client = new Client({
    contracts: [flaky] as const,
    selector: new RoundRobinSelector(registry),
    transport: new HttpTransport().client(),
    timeoutMs,
    wrappers: [circuitBreakers({ ...BREAKER, metrics })],
  });
  after(async () => {
    await client.close();
    await registry.close();
  });
  return { client, metrics };
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
    const { state, client, metrics } = await backend(mode);
    assert.ok((await driveUntilOpen(client)) <= 20, "opened within 20 failing calls");
    assert.equal(await breakerGauge(metrics), 2, "open");

    const reached = state.invocations;
    const started = performance.now();
    const fast = await client.call("flaky", "Flaky.Call", {}).catch((e: unknown) => e);
    assert.ok(fast instanceof MicroError && fast.code === 503, "an open breaker answers 503");
    assert.equal(fast.reason, "circuit_open");
    assert.equal(state.invocations, reached, "the backend was not reached");
    assert.ok(performance.now() - started < 50, "at once");

    mode.value = "ok";
    await new Promise((r) => setTimeout(r, 350));
    assert.equal(await outcome(client.call("flaky", "Flaky.Call", {})), 200, "the half-open probe goes through");
    assert.equal(state.invocations, reached + 1);
    assert.equal(await breakerGauge(metrics), 0, "closed again");
    for (let i = 0; i < 5; i++) assert.equal(await outcome(client.call("flaky", "Flaky.Call", {})), 200);
  });

  it("breaker - a failed probe keeps it open, and the next wait is twice as long", async () => {
    const mode = { value: "fail" as "ok" | "fail" | "reject" };
    const { state, client, metrics } = await backend(mode);
    await driveUntilOpen(client);
    await new Promise((r) => setTimeout(r, 350));
    assert.equal(await outcome(client.call("flaky", "Flaky.Call", {})), 500, "the probe reaches the still-failing backend");
    const reopened = performance.now();
    assert.equal(await breakerGauge(metrics), 2);
    assert.equal(await outcome(client.call("flaky", "Flaky.Call", {})), 503);
    mode.value = "ok";
    const reached = state.invocations;
    // Polled: the probe goes through once the doubled wait (600 ms) is over, not before.
    while ((await outcome(client.call("flaky", "Flaky.Call", {}))) === 503) await new Promise((r) => setTimeout(r, 20));
    assert.ok(performance.now() - reopened >= 590, `probed after ${Math.round(performance.now() - reopened)} ms`);
    assert.equal(state.invocations, reached + 1);
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
