/**
 * Per-attempt timeouts: a node that accepts a call and never answers (a process killed
 * mid-call, a hung one) costs an idempotent call one attempt timeout, after which it is retried
 * on another node; a non-idempotent call is never retried and waits for its deadline.
 * First over real sockets, then against a scripted transport that records the timeoutMs of each
 * attempt and times out when told to, so what the client decides can be checked exactly.
 */
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import { defineService } from "../contract/index.js";
import { MicroError, unavailable } from "../errors/index.js";
import type { Node } from "../registry/index.js";
import { MemoryRegistry } from "../registry/memory.js";
import { type Outcome, RoundRobinSelector, type Selector } from "../selector/index.js";
import { Server } from "../server/index.js";
import { HttpTransport } from "../http/index.js";
import { CallTimeoutError, ConnectionError, type TransportClient, type TransportRequest, type TransportResponse } from "../transport/index.js";
import { Client, RetryBudget, type RetryBudgetOptions } from "./index.js";
import { ManualClock } from "../testing.js";

const api = defineService({
  name: "api",
  handler: "Api",
  endpoints: {
    Read: { request: Type.Object({}), response: Type.Object({ by: Type.String() }), idempotent: true },
    Write: { request: Type.Object({}), response: Type.Object({ by: Type.String() }) },
  },
});

async function setup(selector = (registry: MemoryRegistry) => new RoundRobinSelector(registry)) {
  const sockets = new Set<Socket>();
  let silentCalls = 0;
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on("data", () => silentCalls++);
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const server = new Server({ name: "api" }).handle(api, { Read: async () => ({ by: "healthy" }), Write: async () => ({ by: "healthy" }) });
  const listener = await new HttpTransport().listen("127.0.0.1:0", server.serve);
  const registry = new MemoryRegistry();
  const node = (id: string, address: string) => ({ id, address, metadata: {} });
  // "a-silent" sorts first, so round robin tries it first.
  await registry.register({ name: "api", version: "1", endpoints: [], nodes: [node("a-silent", `127.0.0.1:${(silent.address() as { port: number }).port}`), node("b-healthy", listener.address)] }, { ttlMs: 60_000 });
  const client = new Client({ contracts: [api] as const, selector: selector(registry), transport: new HttpTransport().client(), timeoutMs: 2000, attemptTimeoutMs: 200 });
  after(async () => {
    await client.close();
    for (const s of sockets) s.destroy();
    silent.close();
    await listener.close(0);
    await registry.close();
  });
  return Object.assign(client, { silentCalls: () => silentCalls });
}

describe("client attempts", () => {
  it("client - an idempotent call to a silent node is retried on another after the attempt timeout", async () => {
    const client = await setup();
    const started = performance.now();
    assert.deepEqual(await client.call("api", "Api.Read", {}), { by: "healthy" });
    const took = performance.now() - started;
    assert.ok(took >= 150 && took < 1500, `one attempt timeout, not the deadline: ${Math.round(took)} ms`);
  });

  it("client - a non-idempotent call to a silent node is not retried and ends at its deadline", async () => {
    const client = await setup();
    const started = performance.now();
    const error = await client.call("api", "Api.Write", {}).catch((e: unknown) => e);
    const took = performance.now() - started;
    assert.ok(error instanceof MicroError && error.code === 504, String(error));
    assert.ok(took >= 1900 && took < 4000, `the deadline, not an attempt timeout: ${Math.round(took)} ms`);
  });

  it("client - a silent node is ejected after its attempts time out, and later calls go straight to the other", async () => {
    const states: string[] = [];
    const client = await setup((registry) => new RoundRobinSelector(registry, { onChange: (_s, node, state) => states.push(`${node}:${state}`) }));
    const first = await Promise.all(Array.from({ length: 8 }, () => client.call("api", "Api.Read", {})));
    assert.ok(first.every((r) => r.by === "healthy"));
    assert.deepEqual(states, ["a-silent:ejected"]);
    const before = client.silentCalls();
    for (let i = 0; i < 20; i++) await client.call("api", "Api.Read", {});
    assert.equal(client.silentCalls(), before, "a call reached the ejected node");
    assert.deepEqual(states, ["a-silent:ejected"]);
  });
});

/** How a scripted node ends a call: answers, times out when its timeoutMs passes, or at once. */
type Behaviour = "answers" | "silent" | "times-out-at-once" | "refuses";

/** Nodes tried in the order given; every request and every failure reported to the selector is recorded. */
function scripted(nodes: Record<string, Behaviour>, options: { timeoutMs: number; attemptTimeoutMs: number; retries?: number; retryBudget?: RetryBudgetOptions }) {
  const sent: Array<{ node: string; timeoutMs: number }> = [];
  const failed: string[] = [];
  // The client's clock and the transport's are one manual clock: the timeout a node is sent is
  // read exactly, not off a real clock that may tick between the two.
  const clock = new ManualClock();
  const selector: Selector = {
    async select(service, exclude) {
      const id = Object.keys(nodes).find((candidate) => !exclude?.has(candidate));
      if (id === undefined) throw unavailable(service, "no node left");
      return { node: { id, address: id, metadata: {} }, others: Object.keys(nodes).filter((n) => n !== id && !exclude?.has(n)).length };
    },
    report: (_service: string, node: Node, outcome: Outcome) => void (outcome === "success" || failed.push(node.id)),
  };
  const transport: TransportClient = {
    request(address: string, request: TransportRequest): Promise<TransportResponse> {
      const timeoutMs = request.deadline - clock.now();
      sent.push({ node: address, timeoutMs });
      const behaviour = nodes[address];
      if (behaviour === "answers") return Promise.resolve({ ok: true, body: Buffer.from(JSON.stringify({ by: address })) });
      // Early, as a timer may fire: the client must judge by the figures it sent, not the clock.
      if (behaviour === "times-out-at-once") return Promise.reject(new CallTimeoutError(address, timeoutMs));
      if (behaviour === "refuses") return Promise.reject(new ConnectionError(address));
      return new Promise((_, reject) => setTimeout(() => reject(new CallTimeoutError(address, timeoutMs)), timeoutMs));
    },
    close: async () => {},
  };
  const client = new Client({ contracts: [api] as const, selector, transport, now: clock.now, ...options });
  return { client, sent, failed };
}

function is504(error: unknown): boolean {
  assert.ok(error instanceof MicroError && error.code === 504, `expected a 504, got ${String(error)}`);
  assert.ok(error.cause instanceof CallTimeoutError, `caused by ${String(error.cause)}`);
  return true;
}

describe("client attempt timeouts", () => {
  it("client - an attempt cut short sends its own deadline as the callee's, reports the node failing and retries", async () => {
    const { client, sent, failed } = scripted({ a: "silent", b: "answers" }, { timeoutMs: 2000, attemptTimeoutMs: 200 });
    assert.deepEqual(await client.call("api", "Api.Read", {}), { by: "b" });
    assert.deepEqual(sent[0], { node: "a", timeoutMs: 200 });
    // The last node left has no other to retry on: it gets all that remains.
    assert.ok(sent[1]?.node === "b" && sent[1].timeoutMs > 1700, JSON.stringify(sent[1]));
    assert.deepEqual(failed, ["a"]);
  });

  it("client - with less than twice the attempt timeout left, an attempt gets all that remains", async () => {
    const { client, sent, failed } = scripted({ a: "silent", b: "answers" }, { timeoutMs: 300, attemptTimeoutMs: 200 });
    await assert.rejects(client.call("api", "Api.Read", {}), is504);
    assert.equal(sent.length, 1, "retried after the deadline");
    const [only] = sent as [{ node: string; timeoutMs: number }];
    assert.ok(only.node === "a" && only.timeoutMs > 250 && only.timeoutMs <= 300, JSON.stringify(only));
    assert.deepEqual(failed, ["a"], "a node that timed out is failing, whoever's deadline it was");
  });

  it("client - a timeout is the deadline's when the attempt had all that remained, whatever the clock says", async () => {
    const { client, sent, failed } = scripted({ a: "times-out-at-once", b: "answers" }, { timeoutMs: 300, attemptTimeoutMs: 200 });
    await assert.rejects(client.call("api", "Api.Read", {}), is504);
    assert.deepEqual(sent.map((s) => s.node), ["a"]);
    assert.deepEqual(failed, ["a"], "a node that timed out is failing, whoever's deadline it was");
  });

  it("client - an attempt timeout is retried even when it fired before the clock says it should", async () => {
    const { client, sent, failed } = scripted({ a: "times-out-at-once", b: "answers" }, { timeoutMs: 2000, attemptTimeoutMs: 200 });
    assert.deepEqual(await client.call("api", "Api.Read", {}), { by: "b" });
    assert.deepEqual(sent.map((s) => s.node), ["a", "b"]);
    assert.deepEqual(failed, ["a"]);
  });

  it("client - a non-idempotent call, or one with no retries left, is never cut short", async () => {
    const write = scripted({ a: "times-out-at-once", b: "answers" }, { timeoutMs: 2000, attemptTimeoutMs: 200 });
    await assert.rejects(write.client.call("api", "Api.Write", {}), is504);
    const noRetries = scripted({ a: "times-out-at-once", b: "answers" }, { timeoutMs: 2000, attemptTimeoutMs: 200, retries: 0 });
    await assert.rejects(noRetries.client.call("api", "Api.Read", {}), is504);
    for (const { sent, failed } of [write, noRetries]) {
      assert.equal(sent.length, 1);
      assert.ok((sent[0]?.timeoutMs ?? 0) > 1900, `timeoutMs ${sent[0]?.timeoutMs}`);
      assert.deepEqual(failed, ["a"]);
    }
  });

  it("client - after attempts cut short, the last one, with no retry left, gets all that remains", async () => {
    const { client, sent, failed } = scripted({ a: "silent", b: "silent", c: "times-out-at-once", d: "answers" }, { timeoutMs: 5000, attemptTimeoutMs: 100 });
    await assert.rejects(client.call("api", "Api.Read", {}), is504);
    assert.deepEqual(sent.slice(0, 2), [
      { node: "a", timeoutMs: 100 },
      { node: "b", timeoutMs: 100 },
    ]);
    assert.equal(sent[2]?.node, "c");
    assert.ok((sent[2]?.timeoutMs ?? 0) > 4000, `timeoutMs ${sent[2]?.timeoutMs}`);
    assert.deepEqual(failed, ["a", "b", "c"]);
  });

  it("client - with no other node to retry on, the one attempt gets all that remains", async () => {
    const { client, sent } = scripted({ a: "times-out-at-once" }, { timeoutMs: 2000, attemptTimeoutMs: 200 });
    await assert.rejects(client.call("api", "Api.Read", {}), is504);
    assert.equal(sent.length, 1);
    assert.ok((sent[0]?.timeoutMs ?? 0) > 1900, `timeoutMs ${sent[0]?.timeoutMs}`);
  });

  it("client - a spent retry budget stops retries of requests that reached a node, not of refused connections", async () => {
    const spent = { ratio: 0, minPerSecond: 0 };
    const timedOutRead = scripted({ a: "times-out-at-once", b: "answers" }, { timeoutMs: 2000, attemptTimeoutMs: 200, retryBudget: spent });
    await assert.rejects(timedOutRead.client.call("api", "Api.Read", {}), is504);
    assert.deepEqual(timedOutRead.sent.map((s) => s.node), ["a"]);
    const refused = scripted({ a: "refuses", b: "answers" }, { timeoutMs: 2000, attemptTimeoutMs: 200, retryBudget: spent });
    assert.deepEqual(await refused.client.call("api", "Api.Write", {}), { by: "b" });
    assert.deepEqual(refused.sent.map((s) => s.node), ["a", "b"]);
  });

  it("client - the retry budget allows a fifth of the calls, plus a floor", () => {
    const clock = { at: 0 };
    const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 2, now: () => clock.at });
    for (let i = 0; i < 20; i++) budget.called("s");
    const granted = Array.from({ length: 10 }, () => budget.retry("s")).filter(Boolean).length;
    assert.equal(granted, 4);
    clock.at += 2500;
    budget.called("s");
    assert.equal([budget.retry("s"), budget.retry("s"), budget.retry("s")].filter(Boolean).length, 2, "a quiet second keeps the floor only");
  });

  it("client - a call its caller made safe to repeat is cut short and retried like a read", async () => {
    const { client, sent } = scripted({ a: "silent", b: "answers" }, { timeoutMs: 2000, attemptTimeoutMs: 200 });
    assert.deepEqual(await client.call("api", "Api.Write", {}, { idempotent: true }), { by: "b" });
    assert.deepEqual(sent.map((s) => s.node), ["a", "b"]);
    assert.equal(sent[0]?.timeoutMs, 200);
  });
});
