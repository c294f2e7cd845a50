/**
 * The conformance suite every Registry implementation runs (memory, local, NATS, and the cache
 * callers put in front of any of them), so that swapping the registry changes nothing for the
 * selector and client above it. Each test gets its own store (a folder, a bucket); what several
 * instances on one store, and other processes, must see is in conformance-shared.ts.
 * Timing checks poll with waitFor instead of sleeping a fixed time, and keep wide TTL margins, so a
 * slow machine makes the suite slower rather than flaky.
 */
import assert from "node:assert/strict";
import { type TestContext, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import type { Endpoint } from "../contract/catalog.js";
import type { Registry, RegisteredService, WatchAction, WatchEvent } from "./index.js";
import { namingTests, sharingTests } from "./conformance-shared.js";

/** One test's store, and how to open registries on it. */
export interface RegistryUnderTest {
  /** A registry on the store; each call opens another instance on the same store. */
  open(): Registry;
  /**
   * How a separate process opens a registry on the same store: `new module[exportName](options)`.
   * Absent for a registry that lives in one process (memory).
   */
  readonly child?: { readonly moduleUrl: string; readonly exportName: string; readonly options: unknown };
  cleanup(): Promise<void>;
}

export type RegistryFactory = () => Promise<RegistryUnderTest>;

/** Short enough to wait out, long enough that a busy machine still reads a node before it expires. */
export const SHORT_TTL_MS = 300;
export const LONG_TTL_MS = 60_000;
/** Expiry is noticed by a sweep or poll of about a second; the rest is room for a loaded machine. */
export const WAIT_MS = 5_000;

/** Resolves once `predicate` holds, checking every 10 ms; fails the test after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = WAIT_MS,
  what = "the condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(10);
  }
}

export interface ConformanceOptions {
  /** Other processes can share the store (not the memory registry): the suite then runs one. @default true */
  readonly processes?: boolean;
}

export function registryConformance(label: string, create: RegistryFactory, options: ConformanceOptions = {}): void {
  describe(`${label} registry conformance`, () => {
    lookupTests(create);
    removalTests(create);
    lifetimeTests(create);
    watchTests(create);
    watchScopeTests(create);
    namingTests(create);
    sharingTests(create, options.processes ?? true);
  });
}

/** `count` registries on one fresh store, closed (and the store removed) after the test. */
export async function openOnOneStore(t: TestContext, create: RegistryFactory, count = 1): Promise<{ registries: Registry[]; under: RegistryUnderTest }> {
  const under = await create();
  const registries = Array.from({ length: count }, () => under.open());
  t.after(async () => {
    for (const registry of registries) await registry.close();
    await under.cleanup();
  });
  return { registries, under };
}

async function open(t: TestContext, create: RegistryFactory): Promise<Registry> {
  const { registries } = await openOnOneStore(t, create);
  return registries[0] as Registry;
}

export function serviceOf(name: string, nodeIds: readonly string[], version = "1.0.0"): RegisteredService {
  return {
    name,
    version,
    endpoints: [endpointOf(`${name}.Get`), endpointOf(`${name}.List`)],
    nodes: nodeIds.map((id, i) => ({ id, address: `127.0.0.1:${4000 + i}`, metadata: { zone: "z1", node: id } })),
  };
}

/**
 * An endpoint as a contract would register it: schemas and a catalog with an HTTP binding, a rule
 * and an example, so a registry that lost or mangled any of it fails the lookups' deep equality.
 */
function endpointOf(name: string): Endpoint {
  return {
    name,
    request: { type: "object", properties: { id: { type: "integer", minimum: 1 } }, required: ["id"], additionalProperties: false },
    response: { type: "object", properties: { ok: { type: "boolean" } } },
    metadata: {
      http: [{ method: "GET", path: `/${name.toLowerCase().replaceAll(".", "/")}/{id}` }, { method: "GET", path: "/things", when: ["id"] }],
      auth: { self: "id" },
      summary: `${name}: one thing ✓`,
      idempotent: true,
      examples: [{ request: { id: 1 }, response: { ok: true } }],
    },
  };
}

/**
 * A store's clock (a file system's, a NATS server's) may tick coarser than Date.now() or a
 * little behind it; on one machine, never by this much.
 */
const CLOCK_SLACK_MS = 1_000;

/** The one node's `refreshedAt` in `services`; fails the test when it is missing. */
function refreshedAtOf(services: readonly RegisteredService[]): number {
  const at = services[0]?.nodes[0]?.refreshedAt;
  assert.equal(services.length === 1 && services[0]?.nodes.length === 1 && typeof at === "number", true, `expected one node with a refreshedAt, got ${JSON.stringify(services)}`);
  return at as number;
}

/** `services` without what a lookup adds to each node, to compare with what was registered. */
export function withoutTimes(services: readonly RegisteredService[]): RegisteredService[] {
  return services.map((s) => ({ ...s, nodes: s.nodes.map(({ refreshedAt: _, ...node }) => node) }));
}

export function nodeIdsOf(services: readonly RegisteredService[]): string[] {
  return services.flatMap((s) => s.nodes.map((n) => n.id)).sort();
}

/** Records what a watcher hears; stopped when the test ends. */
export function listen(t: TestContext, registry: Registry, service?: string) {
  const events: WatchEvent[] = [];
  const watcher = registry.watch((event) => events.push(event), service === undefined ? undefined : { service });
  t.after(() => watcher.stop());
  const heard = (action: WatchAction, nodeId: string): boolean =>
    events.some((e) => e.action === action && e.service.nodes.some((n) => n.id === nodeId));
  return { events, watcher, heard };
}

function lookupTests(create: RegistryFactory): void {
  it("registry - register then getService returns the node with its address, metadata, version and endpoints, schemas and catalog intact", async (t) => {
    const registry = await open(t, create);
    const users = serviceOf("users", ["users-1"], "1.2.3");
    await registry.register(users, { ttlMs: LONG_TTL_MS });
    assert.deepEqual(withoutTimes(await registry.getService("users")), [users]);
  });

  it("registry - a lookup gives each node the time its registration was last stored, which a refresh moves on", async (t) => {
    const registry = await open(t, create);
    const users = serviceOf("users", ["users-1"]);
    const before = Date.now();
    await registry.register(users, { ttlMs: LONG_TTL_MS });
    const after = Date.now();
    const first = refreshedAtOf(await registry.getService("users"));
    assert.ok(first >= before - CLOCK_SLACK_MS && first <= after + CLOCK_SLACK_MS, `refreshedAt ${first} is not between ${before} and ${after}`);
    assert.equal(refreshedAtOf(await registry.listServices()), first);
    let later = first;
    await waitFor(
      async () => {
        await registry.register(users, { ttlMs: LONG_TTL_MS });
        later = refreshedAtOf(await registry.getService("users"));
        return later > first;
      },
      WAIT_MS,
      "a refresh to move refreshedAt on",
    );
    // What a lookup adds is not registered back: a looked-up service registered again is stored as it was.
    await registry.register((await registry.getService("users"))[0] as RegisteredService, { ttlMs: LONG_TTL_MS });
    assert.deepEqual(withoutTimes(await registry.getService("users")), [users]);
  });

  it("registry - two nodes of one service are both listed", async (t) => {
    const registry = await open(t, create);
    await registry.register(serviceOf("users", ["users-2"]), { ttlMs: LONG_TTL_MS });
    await registry.register(serviceOf("users", ["users-1"]), { ttlMs: LONG_TTL_MS });
    const found = await registry.getService("users");
    assert.equal(found.length, 1);
    assert.deepEqual(nodeIdsOf(found), ["users-1", "users-2"]);
  });

  it("registry - different versions come back as separate services", async (t) => {
    const registry = await open(t, create);
    await registry.register(serviceOf("users", ["users-a"], "1.0.0"), { ttlMs: LONG_TTL_MS });
    await registry.register(serviceOf("users", ["users-b"], "2.0.0"), { ttlMs: LONG_TTL_MS });
    const found = await registry.getService("users");
    assert.deepEqual(
      found.map((s) => [s.version, nodeIdsOf([s])]),
      [["1.0.0", ["users-a"]], ["2.0.0", ["users-b"]]],
    );
  });

  it("registry - listServices lists every service", async (t) => {
    const registry = await open(t, create);
    await registry.register(serviceOf("users", ["users-1"]), { ttlMs: LONG_TTL_MS });
    await registry.register(serviceOf("products", ["products-1", "products-2"]), { ttlMs: LONG_TTL_MS });
    const listed = await registry.listServices();
    assert.deepEqual(listed.map((s) => s.name).sort(), ["products", "users"]);
    assert.deepEqual(nodeIdsOf(listed), ["products-1", "products-2", "users-1"]);
  });

}

function removalTests(create: RegistryFactory): void {
  it("registry - getService of an unknown name returns nothing", async (t) => {
    const registry = await open(t, create);
    await registry.register(serviceOf("users", ["users-1"]), { ttlMs: LONG_TTL_MS });
    assert.deepEqual(await registry.getService("nobody"), []);
  });

  it("registry - deregister removes only that node, and an unknown node is fine", async (t) => {
    const registry = await open(t, create);
    await registry.register(serviceOf("users", ["users-1", "users-2"]), { ttlMs: LONG_TTL_MS });
    await registry.deregister(serviceOf("users", ["users-1"]));
    assert.deepEqual(nodeIdsOf(await registry.getService("users")), ["users-2"]);
    await registry.deregister(serviceOf("users", ["users-unknown"]));
    await registry.deregister(serviceOf("ghosts", ["ghost-1"]));
    assert.deepEqual(nodeIdsOf(await registry.getService("users")), ["users-2"]);
  });

  it("registry - ping answers", async (t) => {
    const registry = await open(t, create);
    await registry.ping();
  });
}

function lifetimeTests(create: RegistryFactory): void {
  it("registry - re-register keeps a node past its first TTL", async (t) => {
    const registry = await open(t, create);
    const users = serviceOf("users", ["users-1"]);
    await registry.register(users, { ttlMs: SHORT_TTL_MS });
    // The refresh's long TTL, not a refresh cadence, keeps this test safe on a stalled machine.
    await registry.register(users, { ttlMs: LONG_TTL_MS });
    await delay(SHORT_TTL_MS * 2);
    assert.deepEqual(nodeIdsOf(await registry.getService("users")), ["users-1"]);
    assert.deepEqual(nodeIdsOf(await registry.listServices()), ["users-1"]);
  });

  it("registry - a node that is not refreshed expires after its TTL", async (t) => {
    const registry = await open(t, create);
    await registry.register(serviceOf("users", ["users-short"]), { ttlMs: SHORT_TTL_MS });
    await registry.register(serviceOf("users", ["users-long"]), { ttlMs: LONG_TTL_MS });
    assert.deepEqual(nodeIdsOf(await registry.getService("users")), ["users-long", "users-short"]);
    await waitFor(async () => nodeIdsOf(await registry.getService("users")).length === 1, WAIT_MS, "expiry");
    assert.deepEqual(nodeIdsOf(await registry.getService("users")), ["users-long"]);
    assert.deepEqual(nodeIdsOf(await registry.listServices()), ["users-long"]);
  });
}

function watchTests(create: RegistryFactory): void {
  it("registry - watch hears create, update and delete", async (t) => {
    const registry = await open(t, create);
    const { events, heard } = listen(t, registry);
    const users = serviceOf("users", ["users-1"], "1.0.1");
    await registry.register(users, { ttlMs: LONG_TTL_MS });
    await waitFor(() => heard("create", "users-1"), WAIT_MS, "create");
    await registry.register(users, { ttlMs: LONG_TTL_MS * 2 });
    await waitFor(() => heard("update", "users-1"), WAIT_MS, "update");
    await registry.deregister(users);
    await waitFor(() => heard("delete", "users-1"), WAIT_MS, "delete");
    assert.deepEqual(events.map((e) => e.action), ["create", "update", "delete"]);
    for (const event of events) assert.deepEqual(event.service, users);
  });

  it("registry - watch hears delete when a node expires", async (t) => {
    const registry = await open(t, create);
    const { events, heard } = listen(t, registry);
    await registry.register(serviceOf("users", ["users-1"]), { ttlMs: SHORT_TTL_MS });
    await waitFor(() => heard("delete", "users-1"), WAIT_MS, "delete on expiry");
    assert.deepEqual(events.map((e) => e.action), ["create", "delete"]);
  });

}

function watchScopeTests(create: RegistryFactory): void {
  it("registry - watch with a service hears only that service", async (t) => {
    const registry = await open(t, create);
    const all = listen(t, registry);
    const users = listen(t, registry, "users");
    await registry.register(serviceOf("products", ["products-1"]), { ttlMs: LONG_TTL_MS });
    await registry.register(serviceOf("users", ["users-1"]), { ttlMs: LONG_TTL_MS });
    await waitFor(() => all.heard("create", "products-1") && all.heard("create", "users-1"), WAIT_MS, "creates");
    await waitFor(() => users.heard("create", "users-1"), WAIT_MS, "users create");
    assert.deepEqual(users.events.map((e) => e.service.name), ["users"]);
  });

  it("registry - watch stops after stop()", async (t) => {
    const registry = await open(t, create);
    const stopped = listen(t, registry);
    stopped.watcher.stop();
    const witness = listen(t, registry);
    await registry.register(serviceOf("users", ["users-1"]), { ttlMs: LONG_TTL_MS });
    await waitFor(() => witness.heard("create", "users-1"), WAIT_MS, "the witness to hear the create");
    assert.deepEqual(stopped.events, []);
  });

  it("registry - watch hears only changes made after it started", async (t) => {
    const registry = await open(t, create);
    await registry.register(serviceOf("users", ["users-before"]), { ttlMs: LONG_TTL_MS });
    const { events, heard } = listen(t, registry);
    await registry.register(serviceOf("users", ["users-after"]), { ttlMs: LONG_TTL_MS });
    await waitFor(() => heard("create", "users-after"), WAIT_MS, "create");
    assert.equal(heard("create", "users-before"), false);
    assert.deepEqual(events.map((e) => e.action), ["create"]);
  });
}
