/**
 * The `micro` CLI against the built system as real processes: the programs on a local registry
 * folder, and `node cli/dist/main.js` run as an operator runs it, with only that folder in its
 * environment.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, SERVICES, System } from "./harness.js";

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function micro(env: Record<string, string>, ...args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, "cli", "dist", "main.js"), ...args], { cwd: ROOT, env, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

test("cli - services lists every service ready; call users UsersService.Get gives Alice, and id 0 the 400 error shape with a non-zero exit", async (t) => {
  const system = await System.start();
  t.after(() => system.close());
  const env = { PATH: process.env.PATH ?? "", MICRO_REGISTRY: "local", MICRO_REGISTRY_ADDRESS: join(system.dir, "registry"), AUTH: "off" };

  const listed = await micro(env, "services", "--json");
  assert.equal(listed.code, 0, listed.stderr);
  const services = JSON.parse(listed.stdout) as Array<{ name: string; nodes: number; ready: number; health: string }>;
  assert.deepEqual(
    services.map((s) => [s.name, s.nodes, s.ready, s.health]),
    SERVICES.map((name) => [name, 1, 1, "ready"]),
  );
  const table = await micro(env, "services");
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^SERVICE\s+VERSION\s+NODES\s+HEALTH\n/);
  for (const name of SERVICES) assert.match(table.stdout, new RegExp(`\\n${name}\\s+\\S+\\s+1\\s+ready\\n`));

  const alice = await micro(env, "call", "users", "UsersService.Get", '{"id":1}');
  assert.equal(alice.code, 0, alice.stderr);
  assert.deepEqual(JSON.parse(alice.stdout), { user: { id: 1, email: "alice@example.com", name: "Alice" } });

  const zero = await micro(env, "call", "users", "UsersService.Get", '{"id":0}');
  assert.notEqual(zero.code, 0);
  const error = JSON.parse(zero.stdout) as { id: string; code: number; detail: string; status: string };
  assert.deepEqual({ id: error.id, code: error.code, status: error.status }, { id: "users", code: 400, status: "Bad Request" });
  assert.match(error.detail, /^id: /);
  assert.equal(zero.stderr, "");
});
