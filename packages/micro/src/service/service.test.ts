/**
 * The service lifecycle with real parts: it serves on a real socket, registers its endpoints,
 * refreshes its registration on the interval, and on stop deregisters, closes its listener and
 * runs its closers last-registered-first. A port it cannot take fails its start with a line
 * naming the setting, and leaves nothing listening.
 */
import assert from "node:assert/strict";
import { type AddressInfo, type Server as NetServer, createServer } from "node:net";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import { pino } from "pino";
import { defineService } from "../contract/index.js";
import { DependencyRejectedError, DependencyUnavailableError, MicroError } from "../errors/index.js";
import { createLogger } from "../logger/index.js";
import type { WatchEvent } from "../registry/index.js";
import { MemoryRegistry } from "../registry/memory.js";
import { HttpTransport } from "../http/index.js";
import { StartupError } from "../startup/index.js";
import { TcpTransport } from "../transport/tcp/index.js";
import { Service } from "./index.js";
import { waitFor } from "../testing.js";

const echo = defineService({
  name: "echo",
  handler: "EchoService",
  endpoints: {
    Say: { request: Type.Object({ text: Type.String() }), response: Type.Object({ text: Type.String() }), idempotent: true },
  },
});

function newEchoService(registry: MemoryRegistry): Service {
  return new Service({
    name: "echo",
    version: "1.2.3",
    registry,
    transport: new HttpTransport(),
    logger: createLogger("echo", "silent"),
    registerTtlMs: 300,
    registerIntervalMs: 100,
    shutdownTimeoutMs: 1000,
  }).handle(echo, { Say: async ({ text }) => ({ text }) });
}

describe("service", () => {
  it("service - registers its node with endpoints and version, and callers reach it", async () => {
    const registry = new MemoryRegistry();
    const service = newEchoService(registry);
    await service.start();
    const [registered] = await registry.getService("echo");
    assert.equal(registered?.version, "1.2.3");
    assert.deepEqual(registered?.endpoints.map((e) => e.name), ["EchoService.Say"]);
    assert.equal(registered?.nodes[0]?.address, service.address);
    assert.equal(registered?.nodes[0]?.metadata.transport, "http");
    const client = service.client([echo] as const);
    assert.deepEqual(await client.call("echo", "EchoService.Say", { text: "hi" }), { text: "hi" });
    await service.stop();
  });

  it("service - refreshes its registration before the TTL runs out", async () => {
    const registry = new MemoryRegistry();
    const events: WatchEvent[] = [];
    registry.watch((e) => events.push(e));
    const service = newEchoService(registry);
    await service.start();
    const started = Date.now();
    // Six refreshes on a 100 ms interval take at least 500 ms: well past the 300 ms TTL.
    await waitFor(() => events.filter((e) => e.action === "update").length >= 6, { what: "six refreshes on the interval" });
    assert.ok(Date.now() - started >= 300, "the TTL has run out at least once since the registration");
    assert.equal((await registry.getService("echo"))[0]?.nodes.length, 1, "still registered after the TTL");
    assert.equal(events.filter((e) => e.action === "delete").length, 0);
    await service.stop();
  });

  it("service - stop deregisters, stops listening and runs closers last first, once", async () => {
    const registry = new MemoryRegistry();
    const service = newEchoService(registry);
    const closed: string[] = [];
    service.onStop(async () => void closed.push("database"));
    service.onStop(async () => void closed.push("client"));
    await service.start();
    const address = service.address as string;
    await Promise.all([service.stop(), service.stop()]);
    assert.deepEqual(await registry.getService("echo"), []);
    assert.deepEqual(closed, ["client", "database"]);
    await assert.rejects(fetch(`http://${address}/`, { method: "POST" }), "the listener is closed");
  });

  it("service - an in-flight call finishes before stop completes", async () => {
    const registry = new MemoryRegistry();
    let release: () => void = () => {};
    let arrived = false;
    const gate = new Promise<void>((r) => (release = r));
    const slow = defineService({ name: "echo", handler: "Slow", endpoints: { Wait: { request: Type.Object({}), response: Type.Object({ done: Type.Boolean() }) } } });
    const service = new Service({
      name: "echo",
      version: "1",
      registry,
      transport: new HttpTransport(),
      logger: createLogger("echo", "silent"),
      shutdownTimeoutMs: 5000,
    }).handle(slow, {
      Wait: async () => {
        arrived = true;
        await gate;
        return { done: true };
      },
    });
    await service.start();
    const caller = new MemoryRegistry();
    await caller.register((await registry.getService("echo"))[0]!, { ttlMs: 60_000 });
    const other = new Service({ name: "caller", version: "1", registry: caller, transport: new HttpTransport(), logger: createLogger("caller", "silent") });
    const client = other.client([slow] as const);
    const call = client.call("echo", "Slow.Wait", {});
    await waitFor(() => arrived, { what: "the call to reach the handler" });
    let stopped = false;
    const stopping = service.stop().then(() => void (stopped = true));
    // Deregistering is stop's first step; the drain comes after it.
    await waitFor(async () => (await registry.getService("echo")).length === 0, { what: "stop to deregister" });
    assert.equal(stopped, false, "stop waits for the call in flight");
    release();
    assert.deepEqual(await call, { done: true });
    await stopping;
    await client.close();
    await caller.close();
  });

  it("service - a node whose dependency fails a call leaves the registry at once, and is back within moments of its return", async () => {
    const registry = new MemoryRegistry();
    const database = { up: true };
    const service = new Service({
      name: "echo",
      version: "1",
      registry,
      transport: new TcpTransport(),
      logger: createLogger("echo", "silent"),
      registerTtlMs: 600_000,
      // Far longer than the test: only the fast paths can move the registration.
      registerIntervalMs: 300_000,
    }).handle(echo, {
      Say: async ({ text }) => {
        if (!database.up) throw new DependencyUnavailableError("database");
        return { text };
      },
    });
    service.readiness.add("database", async () => {
      if (!database.up) throw new Error("down");
    });
    await service.start();
    const client = service.client([echo] as const);
    const registered = async () => (await registry.getService("echo")).length > 0;
    assert.ok(await registered());
    database.up = false;
    const error = await client.call("echo", "EchoService.Say", { text: "x" }).catch((e: unknown) => e);
    assert.ok(error instanceof MicroError && error.code === 503, String(error));
    await waitFor(async () => !(await registered()), { what: "deregistered after the failed call" });
    database.up = true;
    const back = performance.now();
    await waitFor(registered, { what: "registered again" });
    assert.ok(performance.now() - back < 2000, `back after ${Math.round(performance.now() - back)} ms`);
    await service.stop();
  });

  it("service - a taken admin port fails start naming the setting, and leaves nothing listening", async () => {
    const taken = await listening(0);
    const adminAddress = `127.0.0.1:${portOf(taken)}`;
    // A port known to be free, so that afterwards the test can check it is free again.
    const probe = await listening(0);
    const rpcPort = portOf(probe);
    await close(probe);
    const registry = new MemoryRegistry();
    const service = new Service({
      name: "echo",
      version: "1",
      registry,
      transport: new TcpTransport(),
      logger: createLogger("echo", "silent"),
      address: `127.0.0.1:${rpcPort}`,
      adminAddress,
      settingNames: { address: "ECHO_ADDRESS", adminAddress: "ECHO_ADMIN_ADDRESS" },
    });
    try {
      const failure = await service.start().then(() => undefined, (error: unknown) => error);
      assert.ok(failure instanceof StartupError, String(failure));
      assert.match(failure.message, new RegExp(`^cannot listen on ${adminAddress}: address already in use; .*set ECHO_ADMIN_ADDRESS to a free port`));
      assert.deepEqual(await registry.getService("echo"), [], "not registered");
      // The RPC listener, opened first, was closed again: its port is free.
      await close(await listening(rpcPort));
    } finally {
      await close(taken);
      await registry.close();
    }
  });

  it("service - data its dependency refused is the caller's 4xx, and the dependency's own error is logged", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const registry = new MemoryRegistry();
    const cause = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: "22021" });
    const service = new Service({ name: "echo", version: "1", registry, transport: new HttpTransport(), logger: pino({ level: "info" }, sink) }).handle(echo, {
      Say: async () => {
        throw new DependencyRejectedError("database", 400, "a text value contains a character that cannot be stored", { cause });
      },
    });
    await service.start();
    const client = service.client([echo] as const);
    const error = await client.call("echo", "EchoService.Say", { text: "x" }, { metadata: { "request-id": "req-7" } }).catch((e: unknown) => e);
    assert.ok(error instanceof MicroError);
    assert.deepEqual(error.toJSON(), { id: "echo", code: 400, detail: "a text value contains a character that cannot be stored", status: "Bad Request", reason: "value_not_storable" });
    const logged = lines.find((line) => line.endpoint === "EchoService.Say");
    assert.ok(logged, JSON.stringify(lines));
    assert.deepEqual([logged.level, logged.code, logged.requestId], [40, 400, "req-7"]);
    assert.match(JSON.stringify(logged.err), /invalid byte sequence for encoding/);
    await service.stop();
  });
});

function listening(port: number): Promise<NetServer> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

function portOf(server: NetServer): number {
  return (server.address() as AddressInfo).port;
}

function close(server: NetServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
