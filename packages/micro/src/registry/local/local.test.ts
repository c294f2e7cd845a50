/**
 * The local registry: the conformance suite on a fresh folder per test, then what only a shared
 * folder brings: other instances and real other processes on the machine, a process killed
 * without deregistering, and files that are not well-formed records.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import * as fsp from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, describe, it } from "node:test";
import { registryConformance, waitFor } from "../conformance.js";
import type { Registry, Service, WatchAction, WatchEvent } from "../index.js";
import { LocalRegistry } from "./index.js";

const LONG_TTL_MS = 60_000;

registryConformance("local", async () => {
  const directory = await fsp.mkdtemp(join(tmpdir(), "local-registry-"));
  return {
    registry: new LocalRegistry({ directory }),
    cleanup: () => fsp.rm(directory, { recursive: true, force: true }),
  };
});

async function folder(t: TestContext): Promise<string> {
  const directory = await fsp.mkdtemp(join(tmpdir(), "local-registry-"));
  t.after(() => fsp.rm(directory, { recursive: true, force: true }));
  return directory;
}

function open(t: TestContext, directory: string): LocalRegistry {
  const registry = new LocalRegistry({ directory });
  t.after(() => registry.close());
  return registry;
}

function serviceOf(name: string, nodeId: string): Service {
  return { name, version: "1.0.0", endpoints: [`${name}.Get`], nodes: [{ id: nodeId, address: "127.0.0.1:4000", metadata: {} }] };
}

function ids(services: readonly Service[]): string[] {
  return services.flatMap((s) => s.nodes.map((n) => n.id)).sort();
}

function listen(registry: Registry) {
  const events: WatchEvent[] = [];
  const watcher = registry.watch((event) => events.push(event));
  const heard = (action: WatchAction, nodeId: string): boolean =>
    events.some((e) => e.action === action && e.service.nodes.some((n) => n.id === nodeId));
  return { events, watcher, heard };
}

/** A process of its own that registers a node, keeps it fresh, and says "ready". */
function childScript(moduleUrl: string): string {
  return `
import { LocalRegistry } from ${JSON.stringify(moduleUrl)};
const registry = new LocalRegistry({ directory: process.argv[2] });
const service = { name: "child", version: "1.0.0", endpoints: ["child.Ping"],
  nodes: [{ id: "child-" + process.pid, address: "127.0.0.1:1", metadata: {} }] };
const refresh = () => registry.register(service, { ttlMs: 1000 });
await refresh();
setInterval(() => refresh().catch(() => {}), 200);
process.stdout.write("ready\\n");
`;
}

async function readyLine(child: ChildProcess): Promise<void> {
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, "exit").then(() => assert.fail(`child exited before ready: ${output}`));
  await Promise.race([waitFor(() => output.includes("ready"), 10_000, "the child to be ready"), exited]);
}

describe("local registry", () => {
  sharingTests();
  fileTests();
});

/** What separate processes on one machine rely on. */
function sharingTests(): void {
  it("local registry - two instances on one folder see each other's registrations and watch events", async (t) => {
    const directory = await folder(t);
    const a = open(t, directory);
    const b = open(t, directory);
    const { events, watcher, heard } = listen(b);
    t.after(() => watcher.stop());
    await a.register(serviceOf("users", "users-a"), { ttlMs: LONG_TTL_MS });
    assert.deepEqual(ids(await b.getService("users")), ["users-a"]);
    await waitFor(() => heard("create", "users-a"), 5_000, "create from the other instance");
    await a.register(serviceOf("users", "users-a"), { ttlMs: LONG_TTL_MS * 2 });
    await waitFor(() => heard("update", "users-a"), 5_000, "update from the other instance");
    await a.deregister(serviceOf("users", "users-a"));
    await waitFor(() => heard("delete", "users-a"), 5_000, "delete from the other instance");
    assert.deepEqual(events.map((e) => e.action), ["create", "update", "delete"]);
    await b.register(serviceOf("products", "products-b"), { ttlMs: LONG_TTL_MS });
    assert.deepEqual(ids(await a.listServices()), ["products-b"]);
  });

  it("local registry - sees another process's node, which expires after that process is killed", async (t) => {
    const directory = await folder(t);
    const registry = open(t, directory);
    const { watcher, heard } = listen(registry);
    t.after(() => watcher.stop());
    const script = join(directory, "child.mjs");
    await fsp.writeFile(script, childScript(new URL("./index.js", import.meta.url).href));
    const child = spawn(process.execPath, [script, directory], { stdio: ["ignore", "pipe", "inherit"] });
    t.after(() => void child.kill("SIGKILL"));
    await readyLine(child);
    const nodeId = `child-${child.pid}`;
    assert.deepEqual(ids(await registry.getService("child")), [nodeId]);
    await waitFor(() => heard("create", nodeId) && heard("update", nodeId), 5_000, "the child's refreshes");
    const exited = once(child, "exit");
    child.kill("SIGKILL");
    await exited;
    await fsp.access(join(directory, "child", `${nodeId}.json`));
    await waitFor(() => heard("delete", nodeId), 5_000, "delete on expiry");
    assert.deepEqual(await registry.getService("child"), []);
    await assert.rejects(fsp.access(join(directory, "child", `${nodeId}.json`)), { code: "ENOENT" });
  });

}

/** What the registry does with the files themselves, including ones it did not write. */
function fileTests(): void {
  it("local registry - ignores half-written and garbage files", async (t) => {
    const directory = await folder(t);
    const registry = open(t, directory);
    await registry.register(serviceOf("users", "users-1"), { ttlMs: LONG_TTL_MS });
    const users = join(directory, "users");
    const good = await fsp.readFile(join(users, "users-1.json"), "utf8");
    const garbage: Record<string, string> = {
      "half.json": good.slice(0, good.length / 2),
      "noise.json": "{not json",
      "other-id.json": good,
      "shape.json": JSON.stringify({ service: "users", node: { id: "shape" } }),
      ".tmp-1-abc": good,
      "notes.txt": "hello",
    };
    for (const [name, text] of Object.entries(garbage)) await fsp.writeFile(join(users, name), text);
    await fsp.writeFile(join(directory, "stray.json"), good);
    await fsp.mkdir(join(directory, ".hidden"));
    assert.deepEqual(ids(await registry.getService("users")), ["users-1"]);
    assert.deepEqual(ids(await registry.listServices()), ["users-1"]);

    const { events, watcher, heard } = listen(registry);
    t.after(() => watcher.stop());
    await fsp.writeFile(join(users, "late.json"), "{");
    await registry.register(serviceOf("users", "users-2"), { ttlMs: LONG_TTL_MS });
    await waitFor(() => heard("create", "users-2"), 5_000, "create");
    assert.deepEqual(events.map((e) => [e.action, ids([e.service])]), [["create", ["users-2"]]]);
  });

  it("local registry - removes expired records, and garbage once it is stale", async (t) => {
    const directory = await folder(t);
    const registry = open(t, directory);
    const users = join(directory, "users");
    await registry.register(serviceOf("users", "users-1"), { ttlMs: 50 });
    await fsp.writeFile(join(users, "old.json"), "{");
    await fsp.writeFile(join(users, "new.json"), "{");
    const minuteAgo = new Date(Date.now() - 60_000);
    await fsp.utimes(join(users, "old.json"), minuteAgo, minuteAgo);
    await waitFor(async () => (await registry.getService("users")).length === 0, 5_000, "expiry");
    assert.deepEqual((await fsp.readdir(users)).sort(), ["new.json"]);
  });

  it("local registry - rejects invalid service names and node ids and writes nothing", async (t) => {
    const directory = await folder(t);
    const registry = open(t, join(directory, "registry"));
    const bad = ["../evil", "a/b", "a\\b", "", ".", "..", ".hidden", "with space", "x".repeat(201)];
    for (const name of bad) {
      await assert.rejects(registry.register(serviceOf(name, "n1"), { ttlMs: LONG_TTL_MS }), /invalid service name/);
      await assert.rejects(registry.getService(name), /invalid service name/);
      await assert.rejects(registry.deregister(serviceOf(name, "n1")), /invalid service name/);
      assert.throws(() => registry.watch(() => {}, { service: name }), /invalid service name/);
    }
    await assert.rejects(registry.register(serviceOf("users", "../../evil"), { ttlMs: LONG_TTL_MS }), /invalid node id/);
    assert.deepEqual(await fsp.readdir(directory), []);
  });

  it("local registry - ping creates a missing folder", async (t) => {
    const directory = await folder(t);
    const nested = join(directory, "a", "b");
    await open(t, nested).ping();
    assert.ok((await fsp.stat(nested)).isDirectory());
  });
}
