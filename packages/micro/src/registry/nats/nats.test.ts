/**
 * The NATS registry against a real NATS server: the conformance suite on a fresh bucket per test,
 * then what only a shared server brings: other connections and real other processes, a node whose
 * refresher stops or whose process is killed, and names that are not KV-safe.
 * Without NATS these tests skip, and fail when CI=true (nats/testing.ts).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import * as fsp from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, describe, it } from "node:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { acquireNatsConnection } from "../../nats/connection.js";
import { natsAvailable, requireNats, testNatsUrl } from "../../nats/testing.js";
import { registryConformance, waitFor } from "../conformance.js";
import { type Registry, RegistryError, type Service, type WatchAction, type WatchEvent } from "../index.js";
import { NatsRegistry } from "./index.js";

const LONG_TTL_MS = 60_000;

/** A bucket of its own per test, so tests cannot see each other's nodes. */
function freshBucket(): string {
  return `test_${randomBytes(6).toString("hex")}`;
}

async function deleteBucket(bucket: string): Promise<void> {
  const connection = await acquireNatsConnection({ servers: testNatsUrl() });
  try {
    const jsm = await jetstreamManager(connection.nc);
    await jsm.streams.delete(`KV_${bucket}`).catch(() => false);
  } finally {
    await connection.release();
  }
}

if (await natsAvailable()) {
  registryConformance("nats", async () => {
    const bucket = freshBucket();
    return { registry: new NatsRegistry({ servers: testNatsUrl(), bucket }), cleanup: () => deleteBucket(bucket) };
  });
} else {
  it("nats registry conformance - needs NATS", async (t) => void (await requireNats(t)));
}

/** A bucket for the test, deleted after it, or undefined when the test was skipped. */
async function bucketFor(t: TestContext): Promise<string | undefined> {
  if (!(await requireNats(t))) return undefined;
  const bucket = freshBucket();
  t.after(() => deleteBucket(bucket));
  return bucket;
}

function open(t: TestContext, bucket: string, servers = testNatsUrl()): NatsRegistry {
  const registry = new NatsRegistry({ servers, bucket });
  t.after(() => registry.close());
  return registry;
}

function serviceOf(name: string, nodeId: string): Service {
  return { name, version: "1.0.0", endpoints: [`${name}.Get`], nodes: [{ id: nodeId, address: "micro.rpc.x", metadata: {} }] };
}

function ids(services: readonly Service[]): string[] {
  return services.flatMap((s) => s.nodes.map((n) => n.id)).sort();
}

function listen(t: TestContext, registry: Registry) {
  const events: WatchEvent[] = [];
  const watcher = registry.watch((event) => events.push(event));
  t.after(() => watcher.stop());
  const heard = (action: WatchAction, nodeId: string): boolean =>
    events.some((e) => e.action === action && e.service.nodes.some((n) => n.id === nodeId));
  return { events, heard };
}

/** A process of its own that registers a node on NATS, keeps it fresh, and says "ready". */
function childScript(moduleUrl: string): string {
  return `
import { NatsRegistry } from ${JSON.stringify(moduleUrl)};
const registry = new NatsRegistry({ servers: process.argv[2], bucket: process.argv[3] });
const service = { name: "child", version: "1.0.0", endpoints: ["child.Ping"],
  nodes: [{ id: "child-" + process.pid, address: "micro.rpc.child", metadata: {} }] };
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

describe("nats registry", () => {
  sharingTests();
  edgeTests();
});

function sharingTests(): void {
  it("nats registry - two instances on two connections see each other's registrations and watch events", async (t) => {
    const bucket = await bucketFor(t);
    if (!bucket) return;
    // A trailing slash names the same server under another key, hence a connection of its own.
    const otherUrl = `${testNatsUrl().replace(/\/$/, "")}/`;
    const [first, second] = await Promise.all([testNatsUrl(), otherUrl].map((servers) => acquireNatsConnection({ servers })));
    t.after(() => Promise.all([first?.release(), second?.release()]));
    assert.notEqual(first?.nc.info?.client_id, second?.nc.info?.client_id);
    const a = open(t, bucket);
    const b = open(t, bucket, otherUrl);
    const { events, heard } = listen(t, b);
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

  it("nats registry - a node whose refresher stops disappears for others after its TTL", async (t) => {
    const bucket = await bucketFor(t);
    if (!bucket) return;
    const owner = open(t, bucket);
    const observer = open(t, bucket);
    const { events, heard } = listen(t, observer);
    const users = serviceOf("users", "users-stale");
    await owner.register(users, { ttlMs: 1000 });
    const refresher = setInterval(() => void owner.register(users, { ttlMs: 1000 }).catch(() => undefined), 200);
    t.after(() => clearInterval(refresher));
    await waitFor(() => heard("create", "users-stale") && heard("update", "users-stale"), 5_000, "create and refreshes");
    clearInterval(refresher);
    await waitFor(() => heard("delete", "users-stale"), 5_000, "delete on expiry");
    assert.deepEqual(await observer.getService("users"), []);
    assert.equal(events.filter((e) => e.action === "delete").length, 1);
  });

  it("nats registry - sees another process's node, which expires after that process is killed", async (t) => {
    const bucket = await bucketFor(t);
    if (!bucket) return;
    const registry = open(t, bucket);
    const { heard } = listen(t, registry);
    const folder = await fsp.mkdtemp(join(tmpdir(), "nats-registry-"));
    t.after(() => fsp.rm(folder, { recursive: true, force: true }));
    const script = join(folder, "child.mjs");
    await fsp.writeFile(script, childScript(new URL("./index.js", import.meta.url).href));
    const child = spawn(process.execPath, [script, testNatsUrl(), bucket], { stdio: ["ignore", "pipe", "inherit"] });
    t.after(() => void child.kill("SIGKILL"));
    await readyLine(child);
    const nodeId = `child-${child.pid}`;
    assert.deepEqual(ids(await registry.getService("child")), [nodeId]);
    await waitFor(() => heard("create", nodeId) && heard("update", nodeId), 5_000, "the child's refreshes");
    const exited = once(child, "exit");
    child.kill("SIGKILL");
    await exited;
    await waitFor(() => heard("delete", nodeId), 5_000, "delete on expiry");
    assert.deepEqual(await registry.getService("child"), []);
  });
}

function edgeTests(): void {
  it("nats registry - takes the local registry's names, dotted ones too, and rejects others writing nothing", async (t) => {
    const bucket = await bucketFor(t);
    if (!bucket) return;
    const registry = open(t, bucket);
    const bad = ["", "a b", "a*", "a>", "a=b", ".users", "-x", "a/b", "x".repeat(201)];
    for (const name of bad) {
      await assert.rejects(registry.register(serviceOf(name, "n1"), { ttlMs: LONG_TTL_MS }), /invalid service name/);
      await assert.rejects(registry.getService(name), /invalid service name/);
      await assert.rejects(registry.deregister(serviceOf(name, "n1")), /invalid service name/);
      assert.throws(() => registry.watch(() => {}, { service: name }), /invalid service name/);
    }
    for (const id of ["a b", "*", ">", "a=b", ""]) {
      await assert.rejects(registry.register(serviceOf("users", id), { ttlMs: LONG_TTL_MS }), /invalid node id/);
    }
    await assert.rejects(registry.register(serviceOf("users", "n1"), { ttlMs: 10 * 60_000 }), /ttlMs/);
    assert.deepEqual(await registry.listServices(), []);
    await registry.register(serviceOf("go.micro.srv.users", "go.micro.srv.users-1"), { ttlMs: LONG_TTL_MS });
    await registry.register(serviceOf("go.micro", "go.micro-1"), { ttlMs: LONG_TTL_MS });
    assert.deepEqual(ids(await registry.getService("go.micro.srv.users")), ["go.micro.srv.users-1"]);
    assert.deepEqual(ids(await registry.getService("go.micro")), ["go.micro-1"]);
    assert.deepEqual(ids(await registry.listServices()), ["go.micro-1", "go.micro.srv.users-1"]);
  });

  it("nats registry - an expired record is deleted from the bucket by the next lookup", async (t) => {
    const bucket = await bucketFor(t);
    if (!bucket) return;
    const registry = open(t, bucket);
    await registry.register(serviceOf("users", "users-1"), { ttlMs: 50 });
    await waitFor(async () => (await registry.getService("users")).length === 0, 5_000, "expiry");
    const connection = await acquireNatsConnection({ servers: testNatsUrl() });
    t.after(() => connection.release());
    const jsm = await jetstreamManager(connection.nc);
    await waitFor(async () => (await jsm.streams.info(`KV_${bucket}`)).state.messages === 1, 5_000, "only the delete marker");
    const last = await jsm.streams.getMessage(`KV_${bucket}`, { last_by_subj: `$KV.${bucket}.users.users-1` });
    assert.equal(last?.header.get("KV-Operation"), "DEL");
  });

  it("nats registry - with NATS unreachable, calls reject with RegistryError naming the cause", async (t) => {
    const registry = new NatsRegistry({ servers: "nats://127.0.0.1:1", bucket: "unused" });
    t.after(() => registry.close());
    const started = Date.now();
    await assert.rejects(registry.ping(), (error: unknown) => error instanceof RegistryError && error.cause !== undefined);
    await assert.rejects(registry.getService("users"), RegistryError);
    assert.ok(Date.now() - started < 5_000, "unreachable NATS must fail fast");
  });
}
