/**
 * The NATS registry against a real NATS server: the conformance suite on a fresh bucket per test,
 * then what only a shared server brings: other connections and real other processes, a node whose
 * refresher stops or whose process is killed, and names that are not KV-safe.
 * Without NATS these tests skip, and fail when CI=true (nats/testing.ts).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { type TestContext, describe, it } from "node:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { acquireNatsConnection } from "../connection.js";
import { natsAvailable, requireNats, testNatsUrl } from "../testing.js";
import { registryConformance, waitFor } from "../../registry/conformance.js";
import { RegistryError, type RegisteredService } from "../../registry/index.js";
import { NatsRegistry } from "./index.js";
import { endpointNamed } from "../../testing.js";


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
    // A trailing slash names the same server under another key: every second instance gets a
    // connection of its own, so sharing is seen across connections, not only within one.
    let opened = 0;
    const servers = () => (opened++ % 2 === 0 ? testNatsUrl() : `${testNatsUrl().replace(/\/$/, "")}/`);
    return {
      open: () => new NatsRegistry({ servers: servers(), bucket }),
      child: { moduleUrl: new URL("./index.js", import.meta.url).href, exportName: "NatsRegistry", options: { servers: testNatsUrl(), bucket } },
      cleanup: () => deleteBucket(bucket),
    };
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

function serviceOf(name: string, nodeId: string): RegisteredService {
  return { name, version: "1.0.0", endpoints: [endpointNamed(`${name}.Get`)], nodes: [{ id: nodeId, address: "micro.rpc.x", metadata: {} }] };
}



describe("nats registry", () => {
  edgeTests();
});

function edgeTests(): void {
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
