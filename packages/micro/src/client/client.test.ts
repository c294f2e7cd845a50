/**
 * The client end to end over real parts: Servers listening through the HTTP transport on
 * 127.0.0.1, registered in a MemoryRegistry, reached through a RoundRobinSelector. Nodes that are
 * down are real closed ports; a node that breaks mid-call is a raw socket server that reads the
 * request and drops the connection. Each test builds its own cluster, so selector turns start at
 * the first node (nodes are listed in id order) and nothing is shared between tests.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { type AddressInfo, type Socket, createServer } from "node:net";
import { type TestContext, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { Type } from "@sinclair/typebox";
import { type HandlerOf, defineService, endpointsOf } from "../contract/index.js";
import { MicroError, type Reason, notFound } from "../errors/index.js";
import { MemoryRegistry } from "../registry/memory.js";
import { RoundRobinSelector } from "../selector/index.js";
import { type HandlerWrapper, Server } from "../server/index.js";
import { HttpTransport } from "../http/index.js";
import { type CallWrapper, Client } from "./index.js";
import { closedPort } from "../transport/conformance.js";

const strict = { additionalProperties: false } as const;
const Inspection = Type.Object({ deadline: Type.Number(), metadata: Type.Record(Type.String(), Type.String()) });
const Labelled = Type.Object({ text: Type.String(), node: Type.String() });

const testContract = defineService({
  name: "test",
  handler: "TestService",
  endpoints: {
    Whoami: { request: Type.Object({ text: Type.String() }, strict), response: Labelled },
    Fail: { request: Type.Object({ kind: Type.Union([Type.Literal("notFound"), Type.Literal("plain")]) }, strict), response: Type.Object({}) },
    Sleep: { request: Type.Object({ ms: Type.Integer() }, strict), response: Type.Object({}) },
    Inspect: { request: Type.Object({}, strict), response: Inspection },
    Nested: { request: Type.Object({}, strict), response: Type.Object({ outer: Inspection, inner: Inspection }) },
    Read: { request: Type.Object({ text: Type.String() }, strict), response: Labelled, idempotent: true },
    Write: { request: Type.Object({ text: Type.String() }, strict), response: Labelled },
  },
});

const CONTRACTS = [testContract] as const;
type TestClient = Client<typeof CONTRACTS>;

interface ClusterOptions {
  readonly clientWrappers?: readonly CallWrapper[];
  readonly serverWrappers?: readonly HandlerWrapper[];
}

/** One test's world: a registry, a client over it, and what the handlers saw. */
interface Cluster {
  readonly registry: MemoryRegistry;
  readonly selector: RoundRobinSelector;
  readonly client: TestClient;
  /** `endpoint@node` for every handler invocation, in order. */
  readonly invocations: string[];
  startNode(id: string): Promise<void>;
  /** Registers `id` at `address` whether or not anything answers there. */
  registerNode(id: string, address: string): Promise<void>;
}

function handlerFor(node: string, cluster: () => Cluster): HandlerOf<typeof testContract> {
  const seen = (endpoint: string) => cluster().invocations.push(`${endpoint}@${node}`);
  return {
    async Whoami(request) {
      seen("Whoami");
      return { text: request.text, node };
    },
    async Fail(request) {
      seen("Fail");
      // An application's reason, which the toolkit's table does not hold: it crosses all the same.
      if (request.kind === "notFound") throw notFound("catalog", "thing 42 not found", { reason: "thing_not_found" as Reason });
      throw new Error("connect failed: postgres://admin:hunter2@db/app");
    },
    async Sleep(request) {
      seen("Sleep");
      // Unref'd, so a handler the caller gave up on cannot keep the test process alive.
      await delay(request.ms, undefined, { ref: false });
      return {};
    },
    async Inspect(_request, context) {
      seen("Inspect");
      return { deadline: context.deadline, metadata: { ...context.metadata } };
    },
    async Nested(_request, context) {
      seen("Nested");
      // A long own timeout: only the parent's deadline can bound the nested call.
      const inner = await cluster().client.call("test", "TestService.Inspect", {}, { context, timeoutMs: 60_000, metadata: { hop: "2" } });
      return { outer: { deadline: context.deadline, metadata: { ...context.metadata } }, inner };
    },
    async Read(request) {
      seen("Read");
      return { text: request.text, node };
    },
    async Write(request) {
      seen("Write");
      return { text: request.text, node };
    },
  };
}

async function cluster(t: TestContext, options: ClusterOptions = {}): Promise<Cluster> {
  const registry = new MemoryRegistry();
  const transport = new HttpTransport();
  const selector = new RoundRobinSelector(registry);
  const client: TestClient = new Client({ contracts: CONTRACTS, selector, transport: transport.client(), wrappers: options.clientWrappers ?? [] });
  const closers: Array<() => Promise<void>> = [() => client.close(), () => registry.close()];
  t.after(async () => {
    for (const close of closers) await close();
  });
  const world: Cluster = {
    registry,
    selector,
    client,
    invocations: [],
    async startNode(id) {
      const server = new Server({ name: "test", wrappers: options.serverWrappers ?? [] }).handle(testContract, handlerFor(id, () => world));
      const listener = await transport.listen("127.0.0.1:0", server.serve);
      closers.unshift(() => listener.close(0));
      await world.registerNode(id, listener.address);
    },
    async registerNode(id, address) {
      const endpoints = endpointsOf(testContract);
      await registry.register({ name: "test", version: "1.0.0", endpoints, nodes: [{ id, address, metadata: { transport: "http" } }] }, { ttlMs: 60_000 });
    },
  };
  return world;
}

/** A node that accepts the connection, reads the request, then drops the connection. */
async function breakingNode(t: TestContext): Promise<{ address: string; attempts: () => number }> {
  let attempts = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once("data", () => {
      attempts++;
      socket.destroy();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, attempts: () => attempts };
}

function isMicro(code: number, id = "test"): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof MicroError, `expected a MicroError, got ${String(error)}`);
    assert.equal(error.code, code, error.detail);
    assert.equal(error.id, id);
    return true;
  };
}

type IsExact<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

describe("client", () => {
  it("client - a typed call returns the handler's response", async (t) => {
    const world = await cluster(t);
    await world.startNode("n1");
    const reply = await world.client.call("test", "TestService.Whoami", { text: "hi" });
    const exact: IsExact<typeof reply, { text: string; node: string }> = true;
    assert.equal(exact, true);
    assert.deepEqual(reply, { text: "hi", node: "n1" });
    // Never called: these lines exist for the compiler, which must reject them.
    const wrongRequest = () =>
      // @ts-expect-error: text is a string in the contract.
      world.client.call("test", "TestService.Whoami", { text: 1 });
    const wrongEndpoint = () =>
      // @ts-expect-error: the contract has no such endpoint.
      world.client.call("test", "TestService.Nope", {});
    assert.equal(typeof wrongRequest, "function");
    assert.equal(typeof wrongEndpoint, "function");
  });

  it("client - round robin spreads 30 calls evenly over 3 nodes", async (t) => {
    const world = await cluster(t);
    for (const id of ["n1", "n2", "n3"]) await world.startNode(id);
    const counts = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const { node } = await world.client.call("test", "TestService.Whoami", { text: String(i) });
      counts.set(node, (counts.get(node) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries(counts), { n1: 10, n2: 10, n3: 10 });
  });

  it("client - a registered node with nothing listening is skipped, and the selector avoids it afterwards", async (t) => {
    const world = await cluster(t);
    // Listed first, so the very first call is sent to it.
    await world.registerNode("n0-dead", await closedPort());
    await world.startNode("n1");
    await world.startNode("n2");
    for (let i = 0; i < 12; i++) {
      const { node } = await world.client.call("test", "TestService.Whoami", { text: String(i) });
      assert.notEqual(node, "n0-dead");
    }
    for (let i = 0; i < 9; i++) assert.notEqual((await world.selector.select("test")).node.id, "n0-dead");
  });

  it("client - with every node down the call fails quickly with 503", async (t) => {
    const world = await cluster(t);
    await assert.rejects(world.client.call("test", "TestService.Whoami", { text: "x" }), isMicro(503));
    for (const id of ["d1", "d2", "d3"]) await world.registerNode(id, await closedPort());
    const started = Date.now();
    await assert.rejects(world.client.call("test", "TestService.Whoami", { text: "x" }), isMicro(503));
    assert.ok(Date.now() - started < 3000, "refused connections must not wait for a timeout");
  });

  it("client - a handler's MicroError is rebuilt intact on the caller", async (t) => {
    const world = await cluster(t);
    await world.startNode("n1");
    await assert.rejects(world.client.call("test", "TestService.Fail", { kind: "notFound" }), (error: unknown) => {
      assert.ok(error instanceof MicroError);
      assert.deepEqual(error.toJSON(), { id: "catalog", code: 404, detail: "thing 42 not found", status: "Not Found", reason: "thing_not_found" });
      return true;
    });
  });

  it("client - a plain Error in a handler arrives as a bare 500", async (t) => {
    const world = await cluster(t);
    await world.startNode("n1");
    await assert.rejects(world.client.call("test", "TestService.Fail", { kind: "plain" }), (error: unknown) => {
      assert.ok(error instanceof MicroError);
      assert.deepEqual(error.toJSON(), { id: "test", code: 500, detail: "internal error", status: "Internal Server Error", reason: "internal_error" });
      assert.doesNotMatch(`${error.message} ${String(error.stack)} ${JSON.stringify(error)}`, /hunter2|postgres|connect failed/);
      return true;
    });
  });

  it("client - a request the server rejects as invalid is a 400 naming the field", async (t) => {
    const world = await cluster(t);
    await world.startNode("n1");
    await assert.rejects(world.client.callRaw("test", "TestService.Whoami", { text: "x", extra: 1 }), (error: unknown) => {
      assert.ok(error instanceof MicroError && error.code === 400);
      assert.equal(error.reason, "invalid_request");
      assert.equal(error.detail, "extra: is not a known field");
      return true;
    });
    assert.deepEqual(world.invocations, []);
  });

  it("client - a request that cannot be encoded is a 400 made by the caller, and no node is called", async (t) => {
    const world = await cluster(t);
    await world.startNode("n1");
    let deep: Record<string, unknown> = {};
    const nested = deep;
    // Deep enough to overflow JSON.stringify's stack.
    for (let i = 0; i < 100_000; i++) deep = deep.a = {};
    for (const request of [nested, { text: 1n }]) {
      await assert.rejects(world.client.callRaw("test", "TestService.Whoami", request), (error: unknown) => {
        assert.ok(error instanceof MicroError, String(error));
        assert.deepEqual(error.toJSON(), { id: "test", code: 400, detail: "request: cannot be encoded", status: "Bad Request", reason: "unencodable_request" });
        return true;
      });
    }
    assert.deepEqual(world.invocations, []);
  });

  it("client - the deadline reaches the handler", async (t) => {
    const world = await cluster(t);
    await world.startNode("n1");
    const before = Date.now();
    const { deadline } = await world.client.call("test", "TestService.Inspect", {}, { timeoutMs: 300 });
    const after = Date.now();
    // The callee counts the remaining time from when the call reached it, so it lands in this window.
    assert.ok(deadline >= before + 300 && deadline <= after + 300, `deadline ${deadline - before} ms after the call`);
  });

  it("client - a nested call made with the handler's context is bounded by the parent's deadline", async (t) => {
    const nestedDeadlines: number[] = [];
    const recordNested: CallWrapper = (next) => async (call) => {
      if (call.endpoint === "TestService.Inspect") nestedDeadlines.push(call.deadline);
      return next(call);
    };
    const world = await cluster(t, { clientWrappers: [recordNested] });
    await world.startNode("n1");
    const { outer, inner } = await world.client.call("test", "TestService.Nested", {}, { timeoutMs: 2000 });
    assert.equal(nestedDeadlines.length, 1);
    assert.ok((nestedDeadlines[0] as number) <= outer.deadline, "the nested call outlives its parent");
    // The nested callee adds its own transit time, a few ms, and nothing like its 60 s own timeout.
    assert.ok(inner.deadline <= outer.deadline + 1000, `nested deadline ${inner.deadline - outer.deadline} ms after the parent's`);
  });

  it("client - a handler slower than timeoutMs is a 504 long before it finishes", async (t) => {
    const world = await cluster(t);
    await world.startNode("n1");
    const started = Date.now();
    await assert.rejects(world.client.call("test", "TestService.Sleep", { ms: 2000 }, { timeoutMs: 200 }), isMicro(504));
    assert.ok(Date.now() - started < 1500, "the caller waited for the slow handler");
  });

  it("client - metadata reaches the handler and travels on with a nested call", async (t) => {
    const world = await cluster(t);
    await world.startNode("n1");
    const { outer, inner } = await world.client.call("test", "TestService.Nested", {}, { metadata: { "request-id": "req-123" } });
    assert.equal(outer.metadata["request-id"], "req-123");
    assert.equal(inner.metadata["request-id"], "req-123");
    assert.equal(inner.metadata["hop"], "2");
  });

  it("client - an idempotent call is retried on another node after the connection broke", async (t) => {
    const world = await cluster(t);
    const broken = await breakingNode(t);
    await world.registerNode("a-broken", broken.address);
    await world.startNode("b-healthy");
    const reply = await world.client.call("test", "TestService.Read", { text: "r" });
    assert.equal(reply.node, "b-healthy");
    assert.equal(broken.attempts(), 1);
    assert.deepEqual(world.invocations, ["Read@b-healthy"]);
  });

  it("client - a non-idempotent call is not retried after the connection broke", async (t) => {
    const world = await cluster(t);
    const broken = await breakingNode(t);
    await world.registerNode("a-broken", broken.address);
    await world.startNode("b-healthy");
    await assert.rejects(world.client.call("test", "TestService.Write", { text: "w" }), isMicro(503));
    assert.equal(broken.attempts(), 1);
    assert.deepEqual(world.invocations, []);
  });

  it("client - errors the caller made are marked local; what a node answered or did to the call is not", async (t) => {
    const world = await cluster(t);
    const failure = (call: Promise<unknown>) => call.then(() => assert.fail("the call succeeded"), (error: unknown) => error as MicroError);
    const noNode = await failure(world.client.call("test", "TestService.Whoami", { text: "x" }));
    assert.deepEqual([noNode.code, noNode.local, noNode.reason], [503, true, "no_node"]);
    const badKey = await failure(world.client.call("test", "TestService.Whoami", { text: "x" }, { metadata: { "Bad Key": "1" } }));
    assert.deepEqual([badKey.code, badKey.local, badKey.reason], [400, true, "invalid_metadata"]);
    await world.registerNode("a-dead", await closedPort());
    const refused = await failure(world.client.call("test", "TestService.Whoami", { text: "x" }));
    assert.deepEqual([refused.code, refused.local, refused.reason], [503, true, "no_node"]);
    await world.startNode("b-live");
    for (const [call, code] of [
      [world.client.call("test", "TestService.Fail", { kind: "notFound" }), 404],
      [world.client.call("test", "TestService.Fail", { kind: "plain" }), 500],
      [world.client.call("test", "TestService.Sleep", { ms: 1000 }, { timeoutMs: 100 }), 504],
    ] as const) {
      const error = await failure(call);
      assert.deepEqual([error.code, error.local], [code, false], error.detail);
    }
  });

  it("client - a broken connection followed by a refused one reports the broken one, which is not local", async (t) => {
    const world = await cluster(t);
    const broken = await breakingNode(t);
    await world.registerNode("a-broken", broken.address);
    await world.registerNode("b-dead", await closedPort());
    await assert.rejects(world.client.call("test", "TestService.Read", { text: "r" }), (error: unknown) => {
      assert.ok(error instanceof MicroError);
      assert.deepEqual([error.code, error.local, error.reason], [503, false, "connection_lost"]);
      return true;
    });
    assert.equal(broken.attempts(), 1);
  });

  it("client - client and server wrappers run in order, outermost first", async (t) => {
    const log: string[] = [];
    const clientWrapper = (name: string): CallWrapper => (next) => async (call) => {
      log.push(`${name}>`);
      try {
        return await next(call);
      } finally {
        log.push(`${name}<`);
      }
    };
    const serverWrapper = (name: string): HandlerWrapper => (next) => async (call) => {
      log.push(`${name}>`);
      try {
        return await next(call);
      } finally {
        log.push(`${name}<`);
      }
    };
    const world = await cluster(t, {
      clientWrappers: [clientWrapper("client-outer"), clientWrapper("client-inner")],
      serverWrappers: [serverWrapper("server-outer"), serverWrapper("server-inner")],
    });
    await world.startNode("n1");
    await world.client.call("test", "TestService.Whoami", { text: "w" });
    assert.deepEqual(log, ["client-outer>", "client-inner>", "server-outer>", "server-inner>", "server-inner<", "server-outer<", "client-inner<", "client-outer<"]);
  });
});
