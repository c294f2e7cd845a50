/**
 * The part of the registry conformance suite about what lies beyond one instance: the names every
 * registry accepts (registry/names.ts), several instances on one store, a node whose owner stops
 * refreshing it, and a node of another process that is killed without deregistering.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, it } from "node:test";
import { LONG_TTL_MS, WAIT_MS, type RegistryFactory, type RegistryUnderTest, listen, nodeIdsOf, openOnOneStore, serviceOf, waitFor } from "./conformance.js";
import { InvalidNameError } from "./index.js";

const BAD_NAMES = ["", "a b", "a*", "a>", "a=b", ".users", "-x", "a/b", "..", "x".repeat(201)];
const BAD_NODE_IDS = ["a b", "*", ">", "a=b", "", "../x"];

export function namingTests(create: RegistryFactory): void {
  it("registry - invalid service names and node ids are refused, naming what is wrong, and nothing is written", async (t) => {
    const { registries } = await openOnOneStore(t, create);
    const [registry] = registries;
    assert.ok(registry);
    const invalid = (kind: string) => (error: unknown) => error instanceof InvalidNameError && error.kind === kind && error.message.includes(`invalid ${kind}`);
    for (const name of BAD_NAMES) {
      await assert.rejects(registry.register(serviceOf(name, ["n1"]), { ttlMs: LONG_TTL_MS }), invalid("service name"), name);
      await assert.rejects(registry.deregister(serviceOf(name, ["n1"])), invalid("service name"), name);
      await assert.rejects(registry.getService(name), invalid("service name"), name);
      assert.throws(() => registry.watch(() => {}, { service: name }), invalid("service name"), name);
    }
    for (const id of BAD_NODE_IDS) {
      await assert.rejects(registry.register(serviceOf("users", ["good", id]), { ttlMs: LONG_TTL_MS }), invalid("node id"), id);
    }
    assert.deepEqual(await registry.listServices(), [], "a refused registration wrote nothing, not even its valid nodes");
  });

  it("registry - dotted go-micro names are names like any other", async (t) => {
    const { registries } = await openOnOneStore(t, create);
    const [registry] = registries;
    assert.ok(registry);
    await registry.register(serviceOf("go.micro.srv.users", ["go.micro.srv.users-1"]), { ttlMs: LONG_TTL_MS });
    await registry.register(serviceOf("go.micro", ["go.micro-1"]), { ttlMs: LONG_TTL_MS });
    assert.deepEqual(nodeIdsOf(await registry.getService("go.micro.srv.users")), ["go.micro.srv.users-1"]);
    assert.deepEqual(nodeIdsOf(await registry.getService("go.micro")), ["go.micro-1"]);
  });
}

export function sharingTests(create: RegistryFactory, processes: boolean): void {
  it("registry - two instances on one store see each other's registrations and watch events", async (t) => {
    const { registries } = await openOnOneStore(t, create, 2);
    const [a, b] = registries;
    assert.ok(a && b);
    const { events, heard } = listen(t, b);
    await a.register(serviceOf("users", ["users-a"]), { ttlMs: LONG_TTL_MS });
    assert.deepEqual(nodeIdsOf(await b.getService("users")), ["users-a"]);
    await waitFor(() => heard("create", "users-a"), WAIT_MS, "create from the other instance");
    await a.register(serviceOf("users", ["users-a"]), { ttlMs: LONG_TTL_MS * 2 });
    await waitFor(() => heard("update", "users-a"), WAIT_MS, "update from the other instance");
    await a.deregister(serviceOf("users", ["users-a"]));
    await waitFor(() => heard("delete", "users-a"), WAIT_MS, "delete from the other instance");
    assert.deepEqual(events.map((e) => e.action), ["create", "update", "delete"]);
    await b.register(serviceOf("products", ["products-b"]), { ttlMs: LONG_TTL_MS });
    assert.deepEqual(nodeIdsOf(await a.listServices()), ["products-b"]);
  });

  it("registry - a node whose owner stops refreshing it disappears for the others after its TTL", async (t) => {
    const { registries } = await openOnOneStore(t, create, 2);
    const [owner, observer] = registries;
    assert.ok(owner && observer);
    const { events, heard } = listen(t, observer);
    const users = serviceOf("users", ["users-stale"]);
    await owner.register(users, { ttlMs: 1000 });
    const refresher = setInterval(() => void owner.register(users, { ttlMs: 1000 }).catch(() => undefined), 200);
    t.after(() => clearInterval(refresher));
    await waitFor(() => heard("create", "users-stale") && heard("update", "users-stale"), WAIT_MS, "create and refreshes");
    clearInterval(refresher);
    await waitFor(() => heard("delete", "users-stale"), WAIT_MS, "delete on expiry");
    assert.deepEqual(await observer.getService("users"), []);
    assert.equal(events.filter((e) => e.action === "delete").length, 1);
  });

  if (!processes) return;
  it("registry - sees another process's node, which expires after that process is killed", async (t) => {
    const { registries, under } = await openOnOneStore(t, create);
    const [registry] = registries;
    assert.ok(registry && under.child, "a registry shared between processes says how another process opens it");
    const { heard } = listen(t, registry);
    const child = await spawnChild(t, under.child);
    const nodeId = `child-${child.pid}`;
    assert.deepEqual(nodeIdsOf(await registry.getService("child")), [nodeId]);
    await waitFor(() => heard("create", nodeId) && heard("update", nodeId), WAIT_MS, "the child's refreshes");
    const exited = once(child, "exit");
    child.kill("SIGKILL");
    await exited;
    await waitFor(() => heard("delete", nodeId), WAIT_MS, "delete on expiry");
    assert.deepEqual(await registry.getService("child"), []);
  });
}

/** A process of its own that opens a registry on the store, keeps a node fresh, and says "ready". */
async function spawnChild(t: TestContext, child: NonNullable<RegistryUnderTest["child"]>): Promise<ChildProcess> {
  const folder = await mkdtemp(join(tmpdir(), "registry-child-"));
  t.after(() => rm(folder, { recursive: true, force: true }));
  const script = join(folder, "child.mjs");
  await writeFile(script, CHILD);
  const process_ = spawn(process.execPath, [script, child.moduleUrl, child.exportName, JSON.stringify(child.options)], { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => void process_.kill("SIGKILL"));
  let output = "";
  process_.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(process_, "exit").then(() => assert.fail(`child exited before ready: ${output}`));
  await Promise.race([waitFor(() => output.includes("ready"), 10_000, "the child to be ready"), exited]);
  return process_;
}

const CHILD = `
const [moduleUrl, exportName, options] = process.argv.slice(2);
const Registry = (await import(moduleUrl))[exportName];
const registry = new Registry(JSON.parse(options));
const service = { name: "child", version: "1.0.0", endpoints: [{ name: "child.Ping", request: {}, response: {}, metadata: {} }],
  nodes: [{ id: "child-" + process.pid, address: "127.0.0.1:1", metadata: {} }] };
const refresh = () => registry.register(service, { ttlMs: 1000 });
await refresh();
setInterval(() => refresh().catch(() => {}), 200);
process.stdout.write("ready\\n");
`;
