/**
 * The caching registry over a real memory registry. A small subclass counts the lookups that
 * reach the inner registry and can be told to fail, which is how a registry that went away
 * looks to the cache; everything else is the real MemoryRegistry.
 */
import assert from "node:assert/strict";
import { type TestContext, describe, it } from "node:test";
import { CachedRegistry } from "./cache.js";
import { registryConformance } from "./conformance.js";
import { RegistryError, type RegisteredService, nodesOf } from "./index.js";
import { MemoryRegistry } from "./memory.js";
import { ManualClock, endpointNamed } from "../testing.js";

class CountingRegistry extends MemoryRegistry {
  lookups = 0;
  failing = false;

  override async getService(name: string): Promise<RegisteredService[]> {
    this.lookups++;
    if (this.failing) throw new RegistryError("registry unreachable");
    return super.getService(name);
  }
}

function serviceOf(nodeId: string): RegisteredService {
  return { name: "users", version: "1.0.0", endpoints: [endpointNamed("UsersService.Get")], nodes: [{ id: nodeId, address: "127.0.0.1:4000", metadata: {} }] };
}

async function open(t: TestContext, maxAgeMs = 60_000): Promise<{ inner: CountingRegistry; cache: CachedRegistry; clock: ManualClock }> {
  const inner = new CountingRegistry();
  const clock = new ManualClock();
  const cache = new CachedRegistry(inner, { maxAgeMs, now: clock.now });
  t.after(async () => {
    await cache.close();
    await inner.close();
  });
  await inner.register(serviceOf("users-1"), { ttlMs: 60_000 });
  return { inner, cache, clock };
}

async function nodeIds(cache: CachedRegistry): Promise<string[]> {
  return nodesOf(await cache.getService("users")).map((n) => n.id).sort();
}

describe("cached registry", () => {
  it("cache - repeated lookups are served from memory", async (t) => {
    const { inner, cache } = await open(t);
    for (let i = 0; i < 5; i++) assert.deepEqual(await nodeIds(cache), ["users-1"]);
    assert.equal(inner.lookups, 1);
  });

  it("cache - a watch event invalidates, so the next lookup sees the new node", async (t) => {
    const { inner, cache } = await open(t);
    assert.deepEqual(await nodeIds(cache), ["users-1"]);
    await inner.register(serviceOf("users-2"), { ttlMs: 60_000 });
    assert.deepEqual(await nodeIds(cache), ["users-1", "users-2"]);
    assert.equal(inner.lookups, 2);
  });

  it("cache - a deregistered node disappears on the next lookup", async (t) => {
    const { inner, cache } = await open(t);
    await inner.register(serviceOf("users-2"), { ttlMs: 60_000 });
    assert.deepEqual(await nodeIds(cache), ["users-1", "users-2"]);
    await inner.deregister(serviceOf("users-1"));
    assert.deepEqual(await nodeIds(cache), ["users-2"]);
  });

  it("cache - an event about another service leaves the entry cached", async (t) => {
    const { inner, cache } = await open(t);
    await nodeIds(cache);
    await inner.register({ ...serviceOf("orders-1"), name: "orders" }, { ttlMs: 60_000 });
    await nodeIds(cache);
    assert.equal(inner.lookups, 1);
  });

  it("cache - an entry older than maxAgeMs is fetched again", async (t) => {
    const { inner, cache, clock } = await open(t, 30);
    await nodeIds(cache);
    clock.advance(29);
    await nodeIds(cache);
    assert.equal(inner.lookups, 1, "still fresh 1 ms before maxAgeMs");
    clock.advance(1);
    await nodeIds(cache);
    assert.equal(inner.lookups, 2);
  });

  it("cache - when the inner registry fails, the last known nodes are still served", async (t) => {
    const { inner, cache, clock } = await open(t, 10);
    assert.deepEqual(await nodeIds(cache), ["users-1"]);
    inner.failing = true;
    clock.advance(10);
    assert.deepEqual(await nodeIds(cache), ["users-1"]);
    assert.equal(inner.lookups, 2, "the stale entry was refreshed, and the failure absorbed");
    assert.deepEqual(await nodeIds(cache), ["users-1"]);
    assert.equal(inner.lookups, 2, "after a failure the last known nodes serve for another maxAgeMs, without asking again");
  });

  it("cache - a failure before anything was known reaches the caller, and the next lookup retries", async (t) => {
    const { inner, cache } = await open(t);
    inner.failing = true;
    await assert.rejects(cache.getService("users"), RegistryError);
    inner.failing = false;
    assert.deepEqual(await nodeIds(cache), ["users-1"]);
    assert.equal(inner.lookups, 2);
  });

  it("cache - concurrent lookups share one inner call", async (t) => {
    const { inner, cache } = await open(t);
    const results = await Promise.all(Array.from({ length: 10 }, () => nodeIds(cache)));
    for (const ids of results) assert.deepEqual(ids, ["users-1"]);
    assert.equal(inner.lookups, 1);
  });
});

registryConformance(
  "cached",
  async () => {
    // Callers look nodes up through the cache: it must answer as the registry behind it would.
    const inner = new MemoryRegistry();
    return { open: () => new CachedRegistry(inner), cleanup: () => inner.close() };
  },
  { processes: false },
);
