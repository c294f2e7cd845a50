/**
 * The round robin selector over a real memory registry: rotation, exclusion, outlier ejection
 * with its trial and ramp (on an injected clock, so no test waits), the fallback when every node
 * is ejected, and the 503 when nothing is left.
 */
import assert from "node:assert/strict";
import { type TestContext, describe, it } from "node:test";
import { MicroError } from "../errors/index.js";
import type { Node } from "../registry/index.js";
import { MemoryRegistry } from "../registry/memory.js";
import { RoundRobinSelector } from "./index.js";
import { endpointNamed } from "../testing.js";

async function registryWith(t: TestContext, nodeIds: readonly string[]): Promise<MemoryRegistry> {
  const registry = new MemoryRegistry();
  t.after(() => registry.close());
  await registry.register(
    {
      name: "users",
      version: "1.0.0",
      endpoints: [endpointNamed("UsersService.Get")],
      nodes: nodeIds.map((id, i) => ({ id, address: `127.0.0.1:${5000 + i}`, metadata: {} })),
    },
    { ttlMs: 60_000 },
  );
  return registry;
}

async function pick(selector: RoundRobinSelector, times: number, exclude?: ReadonlySet<string>): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < times; i++) ids.push((await selector.select("users", exclude)).node.id);
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

  it("selector - a node that fails three calls in a row is ejected; one that cannot be reached at once", async (t) => {
    const selector = new RoundRobinSelector(await registryWith(t, ["a", "b", "c"]));
    for (let i = 0; i < 2; i++) selector.report("users", nodeOf("b"), "failure");
    assert.ok((await pick(selector, 6)).includes("b"), "two failures are not enough");
    selector.report("users", nodeOf("b"), "success");
    for (let i = 0; i < 2; i++) selector.report("users", nodeOf("b"), "failure");
    assert.ok((await pick(selector, 6)).includes("b"), "a success in between resets the count");
    selector.report("users", nodeOf("b"), "failure");
    assert.equal(selector.stateOf(nodeOf("b")), "ejected");
    selector.report("users", nodeOf("c"), "unreachable");
    assert.deepEqual(await pick(selector, 4), ["a", "a", "a", "a"]);
  });

  it("selector - an ejected node comes back through one trial call, then ramps up to its share", async (t) => {
    const clock = { at: 1_000_000 };
    const selector = new RoundRobinSelector(await registryWith(t, ["a", "b"]), { now: () => clock.at, baseEjectionMs: 1000, rampUpMs: 2000 });
    selector.report("users", nodeOf("b"), "unreachable");
    assert.ok(!(await pick(selector, 10)).includes("b"));
    clock.at += 1000;
    const trial = await pick(selector, 10);
    assert.equal(trial.filter((id) => id === "b").length, 1, `one trial only: ${trial.join(",")}`);
    assert.equal(selector.stateOf(nodeOf("b")), "trial");
    selector.report("users", nodeOf("b"), "success");
    assert.equal(selector.stateOf(nodeOf("b")), "ramping");
    clock.at += 500;
    const early = (await pick(selector, 400)).filter((id) => id === "b").length;
    assert.ok(early > 10 && early < 100, `a quarter of its share a quarter of the way up: ${early} of 200`);
    clock.at += 1500;
    assert.deepEqual(await pick(selector, 4), ["a", "b", "a", "b"]);
    assert.equal(selector.stateOf(nodeOf("b")), "healthy");
  });

  it("selector - a failed trial ejects the node again, for twice as long", async (t) => {
    const clock = { at: 1_000_000 };
    const selector = new RoundRobinSelector(await registryWith(t, ["a", "b"]), { now: () => clock.at, baseEjectionMs: 1000 });
    selector.report("users", nodeOf("b"), "unreachable");
    clock.at += 1000;
    assert.ok((await pick(selector, 2)).includes("b"));
    selector.report("users", nodeOf("b"), "failure");
    assert.equal(selector.stateOf(nodeOf("b")), "ejected");
    clock.at += 1999;
    assert.ok(!(await pick(selector, 6)).includes("b"));
    clock.at += 1;
    assert.ok((await pick(selector, 2)).includes("b"));
  });

  it("selector - ejection never leaves a service without a node", async (t) => {
    const changes: string[] = [];
    const selector = new RoundRobinSelector(await registryWith(t, ["a", "b"]), { onChange: (service, node, state) => changes.push(`${service}/${node}:${state}`) });
    selector.report("users", nodeOf("a"), "unreachable");
    selector.report("users", nodeOf("b"), "unreachable");
    assert.deepEqual(new Set(await pick(selector, 4)), new Set(["a", "b"]));
    assert.deepEqual(changes, ["users/a:ejected", "users/b:ejected"]);
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
    assert.equal((await selector.select("users")).node.id, "a");
    assert.equal((await selector.select("orders")).node.id, "x");
    assert.equal((await selector.select("users")).node.id, "b");
    assert.equal((await selector.select("orders")).node.id, "y");
  });
});
