/**
 * Who may write the local registry's folder: it is created for its owner only, and a folder that
 * another user owns or could write to is refused with one line, before anything in it is trusted.
 * The rogue node is real here: a well-formed record for `users` pointing at another address,
 * written into a folder that others can write, as another local user would.
 */
import assert from "node:assert/strict";
import * as fsp from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, describe, it } from "node:test";
import { requireOrSkip } from "../../testing.js";
import { type RegisteredService, RegistryRefusedError, checkAccepted, recordsOf } from "../index.js";
import { LocalRegistry } from "./index.js";
import { endpointNamed } from "../../testing.js";

const TTL_MS = 60_000;
/** The `nobody` user of Debian and most Linux systems: any uid other than ours would do. */
const OTHER_UID = 65534;

const uid = process.getuid?.() ?? -1;
const rule = `it must be owned by uid ${uid} and writable by its owner only`;

async function folder(t: TestContext): Promise<string> {
  const parent = await fsp.mkdtemp(join(tmpdir(), "local-registry-perm-"));
  t.after(() => fsp.rm(parent, { recursive: true, force: true }));
  return join(parent, "registry");
}

function open(t: TestContext, directory: string): LocalRegistry {
  const registry = new LocalRegistry({ directory });
  t.after(() => registry.close());
  return registry;
}

function serviceOf(name: string, nodeId: string, address = "127.0.0.1:4000"): RegisteredService {
  return { name, version: "1.0.0", endpoints: [endpointNamed(`${name}.Get`)], nodes: [{ id: nodeId, address, metadata: {} }] };
}

/** What another user would drop into a folder it can write: a record that callers would dial. */
async function plantRogue(directory: string): Promise<void> {
  const [record] = recordsOf(serviceOf("users", "users-rogue", "127.0.0.1:6666"), TTL_MS);
  await fsp.mkdir(join(directory, "users"), { recursive: true });
  await fsp.writeFile(join(directory, "users", "users-rogue.json"), JSON.stringify(record));
}

async function modeOf(path: string): Promise<number> {
  return (await fsp.stat(path)).mode & 0o777;
}

function refusedWith(message: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof RegistryRefusedError, `expected a RegistryRefusedError, got ${String(error)}`);
    assert.equal(error.message, message);
    return true;
  };
}

describe("local registry permissions", { skip: uid === -1 ? "no owners or mode bits on this platform" : false }, () => {
  it("local registry - creates its folder 0700 and each record 0600, whatever the umask", async (t) => {
    const directory = await folder(t);
    const umask = process.umask(0);
    t.after(() => void process.umask(umask));
    const registry = open(t, directory);
    await registry.register(serviceOf("users", "users-a"), { ttlMs: TTL_MS });
    assert.equal(await modeOf(directory), 0o700);
    assert.equal(await modeOf(join(directory, "users")), 0o700);
    assert.equal(await modeOf(join(directory, "users", "users-a.json")), 0o600);
  });

  it("local registry - accepts a folder an older version made with mode 0755: only write access for others matters", async (t) => {
    const directory = await folder(t);
    await fsp.mkdir(join(directory, "users"), { recursive: true });
    await fsp.chmod(directory, 0o755);
    await fsp.chmod(join(directory, "users"), 0o755);
    const registry = open(t, directory);
    await registry.register(serviceOf("users", "users-a"), { ttlMs: TTL_MS });
    assert.deepEqual((await registry.getService("users")).flatMap((s) => s.nodes.map((n) => n.id)), ["users-a"]);
    assert.equal(await modeOf(directory), 0o755, "an accepted folder is left as it is");
  });

  it("local registry - refuses a folder writable by other users, and trusts no record in it", async (t) => {
    const directory = await folder(t);
    await fsp.mkdir(directory);
    await fsp.chmod(directory, 0o777);
    await plantRogue(directory);
    const registry = open(t, directory);
    const message = `local registry: ${directory} is writable by other users (mode 0777); ${rule}`;
    await assert.rejects(registry.getService("users"), refusedWith(message));
    await assert.rejects(registry.listServices(), refusedWith(message));
    await assert.rejects(registry.register(serviceOf("users", "users-a"), { ttlMs: TTL_MS }), refusedWith(message));
    assert.throws(() => registry.watch(() => undefined), refusedWith(message));
    await assert.rejects(checkAccepted(registry), refusedWith(message));
    assert.deepEqual((await fsp.readdir(join(directory, "users"))).sort(), ["users-rogue.json"], "nothing was registered");
  });

  it("local registry - refuses a group-writable folder, and a service folder others can write inside a safe one", async (t) => {
    const grouped = await folder(t);
    await fsp.mkdir(grouped);
    await fsp.chmod(grouped, 0o770);
    await assert.rejects(open(t, grouped).ping(), refusedWith(`local registry: ${grouped} is writable by its group (mode 0770); ${rule}`));

    const directory = await folder(t);
    await plantRogue(directory);
    await fsp.chmod(directory, 0o700);
    await fsp.chmod(join(directory, "users"), 0o777);
    const message = `local registry: ${join(directory, "users")} is writable by other users (mode 0777); ${rule}`;
    await assert.rejects(open(t, directory).getService("users"), refusedWith(message));
  });

  it("local registry - refuses a folder owned by another user, even one only its owner can write", async (t) => {
    if (!requireOrSkip(t, uid === 0, "changing a folder's owner needs root")) return;
    const directory = await folder(t);
    await fsp.mkdir(directory, { mode: 0o700 });
    await plantRogue(directory);
    await fsp.chown(directory, OTHER_UID, OTHER_UID);
    const message = `local registry: ${directory} is owned by uid ${OTHER_UID} (mode 0700), not by this program's user; ${rule}`;
    await assert.rejects(open(t, directory).getService("users"), refusedWith(message));
  });

  it("local registry - a refused folder that is then fixed is accepted on the next call", async (t) => {
    const directory = await folder(t);
    await fsp.mkdir(directory);
    await fsp.chmod(directory, 0o777);
    const registry = open(t, directory);
    await assert.rejects(registry.ping(), RegistryRefusedError);
    await fsp.chmod(directory, 0o700);
    await registry.ping();
    await registry.register(serviceOf("users", "users-a"), { ttlMs: TTL_MS });
    assert.equal((await registry.getService("users")).length, 1);
  });
});
