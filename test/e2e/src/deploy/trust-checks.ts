/**
 * The deployment's NATS configuration run in a real nats-server: each program's development key
 * is admitted and no other client is; each service may register only itself, the gateway nothing,
 * and the callers reach the services through the registry and the NATS transport, with the
 * toolkit's own registry and transport; the Secret's placeholders start neither NATS nor a program.
 * Each function is one test of deploy.test.ts, which names it.
 */
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { EnvReader, type RegisteredService, readMicroEnv } from "@gw/micro";
import { NatsRegistry, NatsTransport } from "@gw/micro/nats";
import { jetstreamManager } from "@nats-io/jetstream";
import { natsServerBinary } from "@gw/micro/nats/testing";
import { requireOrSkip } from "@gw/micro/testing";
import { nkeys } from "@nats-io/transport-node";
import { loadManifests } from "./kubernetes.js";
import { PROGRAMS } from "./project.js";
import { composeTestEnv, devSecretValues, keyVariable, natsConnect, runDeployNats } from "./trust.js";
import { get, obj, str } from "./values.js";

/** deploy - nats.conf in a real nats-server admits each program's seed and refuses no credential or another key */
export async function checkDeployNatsAdmits(t: TestContext): Promise<void> {
  if (!requireOrSkip(t, natsServerBinary() !== undefined, "nats-server is not installed (PATH or /usr/sbin)")) return;
  const dev = devSecretValues();
  const server = await runDeployNats(Object.fromEntries(PROGRAMS.map((p) => [keyVariable(p), dev.get(keyVariable(p)) ?? ""])));
  assert.ok("url" in server, `nats-server did not start: ${"output" in server ? String(server.output) : ""}`);
  t.after(() => server.close());
  for (const program of PROGRAMS) await (await natsConnect(server.url, dev.get(keyVariable(program, true)))).close();
  const refused = { name: "AuthorizationError" };
  await assert.rejects(natsConnect(server.url, undefined), refused);
  await assert.rejects(natsConnect(server.url, new TextDecoder().decode(nkeys.createUser().getSeed())), refused);
}

/** deploy - the Secret's placeholders start nothing; the dev overlay's values work and its keys match */
export async function checkPlaceholders(t: TestContext): Promise<void> {
  if (!requireOrSkip(t, natsServerBinary() !== undefined, "nats-server is not installed (PATH or /usr/sbin)")) return;
  const placeholders = obj(get(loadManifests().find((m) => m.kind === "Secret")?.doc, "stringData"), "Secret stringData");
  const keys = Object.fromEntries(PROGRAMS.map((p) => [keyVariable(p), str(placeholders[keyVariable(p)], keyVariable(p))]));
  const refusedByNats = await runDeployNats(keys);
  assert.ok("exitCode" in refusedByNats && refusedByNats.exitCode !== 0 && /Not a valid public nkey/.test(refusedByNats.output));
  const seed = str(placeholders[keyVariable("users", true)], "seed");
  assert.throws(() => readMicroEnv(new EnvReader({ MICRO_REGISTRY: "nats", MICRO_NATS_NKEY_SEED: seed })), /^ConfigError: MICRO_NATS_NKEY_SEED: expected an NKey user seed/);
  assert.ok(Buffer.byteLength(str(placeholders["MICRO_AUTH_SECRET"], "MICRO_AUTH_SECRET")) < 32, "a placeholder that works would put a known key in service");
  const dev = devSecretValues();
  assert.ok(Buffer.byteLength(dev.get("MICRO_AUTH_SECRET") ?? "") >= 32, "the dev call secret is at least 32 bytes");
  for (const program of PROGRAMS) {
    const pair = nkeys.fromSeed(new TextEncoder().encode(dev.get(keyVariable(program, true))));
    assert.equal(pair.getPublicKey(), dev.get(keyVariable(program)), program);
  }
}

/** deploy - in nats.conf each service may register only itself and the gateway nothing, and callers reach the services */
export async function checkDeployNatsPermissions(t: TestContext): Promise<void> {
  if (!requireOrSkip(t, natsServerBinary() !== undefined, "nats-server is not installed (PATH or /usr/sbin)")) return;
  const env = composeTestEnv();
  const server = await runDeployNats(Object.fromEntries(PROGRAMS.map((p) => [keyVariable(p), env[keyVariable(p)] ?? ""])));
  assert.ok("url" in server, `nats-server did not start: ${"output" in server ? String(server.output) : ""}`);
  t.after(() => server.close());
  const as = (program: string) => ({ servers: server.url, auth: { kind: "nkey" as const, seed: env[keyVariable(program, true)] ?? "" } });
  const registry = (program: string) => {
    const opened = new NatsRegistry(as(program));
    t.after(() => opened.close());
    return opened;
  };
  const node = (name: string, address: string): RegisteredService => ({ name, version: "1.0.0", endpoints: [], nodes: [{ id: `${name}-1`, address, metadata: {} }] });
  const echo = await new NatsTransport(as("users")).listen("", async (request) => ({ ok: true, body: request.body }));
  t.after(() => echo.close(0));
  for (const service of ["users", "products", "orders"]) await registry(service).register(node(service, service === "users" ? echo.address : "micro.rpc.x"), { ttlMs: 30_000 });
  const violation = /Permissions Violation for Publish to "\$KV\.micro_registry\.users\./;
  await assert.rejects(registry("gateway").register(node("users", "micro.rpc.rogue"), { ttlMs: 30_000 }), (e: Error) => violation.test(String((e.cause as Error).message)));
  await assert.rejects(registry("products").register(node("users", "micro.rpc.rogue"), { ttlMs: 30_000 }), (e: Error) => violation.test(String((e.cause as Error).message)));
  const found = (await registry("gateway").getService("users")).flatMap((s) => s.nodes.map((n) => n.address));
  assert.deepEqual(found, [echo.address], "the rogue registrations never landed");
  for (const caller of ["gateway", "orders"]) {
    const client = new NatsTransport(as(caller)).client();
    t.after(() => client.close());
    const reply = await client.request(echo.address, { service: "users", endpoint: "UsersService.Get", metadata: {}, deadline: Date.now() + 5000, body: Buffer.from(caller) });
    assert.equal(Buffer.from(reply.body).toString(), caller);
  }
  const nc = await natsConnect(server.url, env[keyVariable("orders", true)]);
  t.after(() => nc.close());
  await assert.rejects((await jetstreamManager(nc, { timeout: 2000 })).streams.delete("KV_micro_registry"), "no program may delete the registry's stream");
}
