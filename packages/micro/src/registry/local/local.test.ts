/**
 * The local registry: the conformance suite on a fresh folder per test, then what only a shared
 * folder brings: other instances and real other processes on the machine, a process killed
 * without deregistering, and files that are not well-formed records.
 */
import assert from "node:assert/strict";
import * as fsp from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, describe, it } from "node:test";
import { registryConformance, waitFor } from "../conformance.js";
import type { Registry, RegisteredService, WatchAction, WatchEvent } from "../index.js";
import { LocalRegistry } from "./index.js";
import { endpointNamed } from "../../testing.js";

const LONG_TTL_MS = 60_000;

registryConformance("local", async () => {
  const directory = await fsp.mkdtemp(join(tmpdir(), "local-registry-"));
  return {
    open: () => new LocalRegistry({ directory }),
    child: { moduleUrl: new URL("./index.js", import.meta.url).href, exportName: "LocalRegistry", options: { directory } },
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

function serviceOf(name: string, nodeId: string): RegisteredService {
  return { name, version: "1.0.0", endpoints: [endpointNamed(`${name}.Get`)], nodes: [{ id: nodeId, address: "127.0.0.1:4000", metadata: {} }] };
}

function ids(services: readonly RegisteredService[]): string[] {
  return services.flatMap((s) => s.nodes.map((n) => n.id)).sort();
}

function listen(registry: Registry) {
  const events: WatchEvent[] = [];
  const watcher = registry.watch((event) => events.push(event));
  const heard = (action: WatchAction, nodeId: string): boolean =>
    events.some((e) => e.action === action && e.service.nodes.some((n) => n.id === nodeId));
  return { events, watcher, heard };
}

describe("local registry", () => {
  fileTests();
});

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

  it("local registry - ping creates a missing folder", async (t) => {
    const directory = await folder(t);
    const nested = join(directory, "a", "b");
    await open(t, nested).ping();
    assert.ok((await fsp.stat(nested)).isDirectory());
  });
}
