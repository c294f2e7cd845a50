/**
 * Per-attempt timeouts: a node that accepts a call and never answers (a process killed
 * mid-call, a hung one) costs an idempotent call one attempt timeout, after which it is retried
 * on another node; a non-idempotent call is never retried and waits for its deadline.
 */
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import { defineService } from "../contract/index.js";
import { MicroError } from "../errors/index.js";
import { MemoryRegistry } from "../registry/memory.js";
import { RoundRobinSelector } from "../selector/index.js";
import { Server } from "../server/index.js";
import { HttpTransport } from "../transport/http/index.js";
import { Client } from "./index.js";

const api = defineService({
  name: "api",
  handler: "Api",
  endpoints: {
    Read: { request: Type.Object({}), response: Type.Object({ by: Type.String() }), idempotent: true },
    Write: { request: Type.Object({}), response: Type.Object({ by: Type.String() }) },
  },
});

async function setup() {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const server = new Server({ name: "api" }).handle(api, { Read: async () => ({ by: "healthy" }), Write: async () => ({ by: "healthy" }) });
  const listener = await new HttpTransport().listen("127.0.0.1:0", server.serve);
  const registry = new MemoryRegistry();
  const node = (id: string, address: string) => ({ id, address, metadata: {} });
  // "a-silent" sorts first, so round robin tries it first.
  await registry.register({ name: "api", version: "1", endpoints: [], nodes: [node("a-silent", `127.0.0.1:${(silent.address() as { port: number }).port}`), node("b-healthy", listener.address)] }, { ttlMs: 60_000 });
  const client = new Client({ contracts: [api] as const, selector: new RoundRobinSelector(registry), transport: new HttpTransport().client(), timeoutMs: 2000, attemptTimeoutMs: 200 });
  after(async () => {
    await client.close();
    for (const s of sockets) s.destroy();
    silent.close();
    await listener.close(0);
    await registry.close();
  });
  return client;
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
    const error = await client.call("api", "Api.Write", {}).catch((e: unknown) => e);
    assert.ok(error instanceof MicroError && error.code === 504, String(error));
  });
});
