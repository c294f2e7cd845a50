/**
 * The round robin selector over a real memory registry: rotation, exclusion, the failure
 * cool-down and its fallback, and the 503 when nothing is left. Cool-downs are either far longer
 * than the test (skip checks) or far shorter than a wait (return checks), so timing cannot flip them.
 */
import assert from "node:assert/strict";
import { type TestContext, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { MicroError } from "../errors/index.js";
import type { Node } from "../registry/index.js";
import { MemoryRegistry } from "../registry/memory.js";
import { RoundRobinSelector } from "./index.js";

const LONG_COOLDOWN_MS = 60_000;

async function registryWith(t: TestContext, nodeIds: readonly string[]): Promise<MemoryRegistry> {
  const registry = new MemoryRegistry();
  t.after(() => registry.close());
  await registry.register(
    {
      name: "users",
      version: "1.0.0",
      endpoints: ["UsersService.Get"],
      nodes: nodeIds.map((id, i) => ({ id, address: `127.0.0.1:${5000 + i}`, metadata: {} })),
    },
    { ttlMs: 60_000 },
  );
  return registry;
}

async function pick(selector: RoundRobinSelector, times: number, exclude?: ReadonlySet<string>): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < times; i++) ids.push((await selector.select("users", exclude)).id);
  return ids;
}

function nodeOf(id: string): Node {
  return { id, address: "unused", metadata: {} };
}

function isUnavailable(error: unknown): boolean {
  return error instanceof MicroError && error.code === 503 && error.id === "users";
}

describe("selector", () => {
  it("selector - round robin visits every node in turn", async (t) => {
    const selector = new RoundRobinSelector(await registryWith(t, ["a", "b", "c"]));
    assert.deepEqual(await pick(selector, 6), ["a", "b", "c", "a", "b", "c"]);
  });

  it("selector - excluded nodes are never picked", async (t) => {
    const selector = new RoundRobinSelector(await registryWith(t, ["a", "b", "c"]));
    const picked = await pick(selector, 6, new Set(["b"]));
    assert.ok(!picked.includes("b"));
    assert.deepEqual(new Set(picked), new Set(["a", "c"]));
  });

  it("selector - a node marked failed is skipped while it cools down", async (t) => {
    const selector = new RoundRobinSelector(await registryWith(t, ["a", "b", "c"]), { failureCooldownMs: LONG_COOLDOWN_MS });
    selector.markFailed(nodeOf("b"));
    const picked = await pick(selector, 6);
    assert.ok(!picked.includes("b"), `picked ${picked.join(",")}`);
    assert.deepEqual(new Set(picked), new Set(["a", "c"]));
  });

  it("selector - a failed node is picked again once its cool-down has passed", async (t) => {
    const selector = new RoundRobinSelector(await registryWith(t, ["a", "b"]), { failureCooldownMs: 20 });
    selector.markFailed(nodeOf("b"));
    await delay(60);
    assert.ok((await pick(selector, 4)).includes("b"));
  });

  it("selector - when every node failed recently, they are all tried anyway", async (t) => {
    const selector = new RoundRobinSelector(await registryWith(t, ["a", "b"]), { failureCooldownMs: LONG_COOLDOWN_MS });
    selector.markFailed(nodeOf("a"));
    selector.markFailed(nodeOf("b"));
    assert.deepEqual(new Set(await pick(selector, 4)), new Set(["a", "b"]));
  });

  it("selector - a service with no nodes is a 503", async (t) => {
    const registry = new MemoryRegistry();
    t.after(() => registry.close());
    await assert.rejects(new RoundRobinSelector(registry).select("users"), isUnavailable);
  });

  it("selector - excluding every node is a 503", async (t) => {
    const selector = new RoundRobinSelector(await registryWith(t, ["a", "b"]));
    await assert.rejects(selector.select("users", new Set(["a", "b"])), isUnavailable);
  });

  it("selector - rotation is kept per service", async (t) => {
    const registry = await registryWith(t, ["a", "b"]);
    await registry.register(
      { name: "orders", version: "1.0.0", endpoints: [], nodes: [nodeOf("x"), nodeOf("y")] },
      { ttlMs: 60_000 },
    );
    const selector = new RoundRobinSelector(registry);
    assert.equal((await selector.select("users")).id, "a");
    assert.equal((await selector.select("orders")).id, "x");
    assert.equal((await selector.select("users")).id, "b");
    assert.equal((await selector.select("orders")).id, "y");
  });
});
