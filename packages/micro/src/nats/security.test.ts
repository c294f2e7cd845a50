/**
 * NATS with credentials and TLS, against private nats-server processes configured here: with the
 * right credential a registry and a transport register, look up and call; a rogue node without
 * one, or with a wrong one, is refused at once with an error naming NATS and authorization; a
 * client that does not trust the server's CA is refused too. Secrets never appear in the errors.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, describe, it } from "node:test";
import { nkeys } from "@nats-io/transport-node";
import { requireOrSkip } from "../testing.js";
import { RegistryRefusedError, type RegisteredService, checkAccepted } from "../registry/index.js";
import { NatsRegistry } from "./registry/index.js";
import { requestOf } from "../transport/conformance.js";
import { NatsTransport } from "./transport/index.js";
import { type TestCertificates, makeCertificates } from "./certificates.js";
import { NatsRefusedError, type NatsSecurity } from "./connection.js";
import { type PrivateNats, natsServerBinary, startPrivateNats } from "./private-server.js";
import { endpointNamed } from "../testing.js";

const TTL_MS = 30_000;
const REASON = "nats-server is not installed (PATH or /usr/sbin)";
const AUTHORIZATION = /^NATS authorization failed at nats:\/\/127\.0\.0\.1:\d+: Authorization Violation$/;

async function server(t: TestContext, config: string, dir?: string): Promise<PrivateNats | undefined> {
  if (!requireOrSkip(t, natsServerBinary() !== undefined, REASON)) return undefined;
  const nats = await startPrivateNats(config, { dir });
  t.after(() => nats.close());
  return nats;
}

async function scratch(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "micro-nats-tls-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function nodeOf(name: string, address: string): RegisteredService {
  return { name, version: "1.0.0", endpoints: [endpointNamed(`${name}.Get`)], nodes: [{ id: `${name}-${randomUUID()}`, address, metadata: {} }] };
}

/** Registers a node served on the NATS transport, finds it in the registry and calls it. */
async function registerLookUpAndCall(t: TestContext, servers: string, security: NatsSecurity): Promise<void> {
  const bucket = `test_${randomUUID().replaceAll("-", "")}`;
  const registry = new NatsRegistry({ ...security, servers, bucket });
  const transport = new NatsTransport({ ...security, servers });
  const listener = await transport.listen("", async (request) => ({ ok: true, body: request.body }));
  const client = transport.client();
  t.after(async () => {
    await client.close();
    await listener.close(0);
    await registry.close();
  });
  await checkAccepted(registry);
  await registry.register(nodeOf("users", listener.address), { ttlMs: TTL_MS });
  const [found] = await registry.getService("users");
  assert.equal(found?.nodes[0]?.address, listener.address);
  const response = await client.request(listener.address, requestOf('{"id":1}'));
  assert.deepEqual([response.ok, Buffer.from(response.body).toString()], [true, '{"id":1}']);
}

/** A node that NATS will not have: registering, the start-up check and listening all fail at once. */
async function refused(servers: string, security: NatsSecurity, message: RegExp, secret?: string): Promise<void> {
  const registry = new NatsRegistry({ ...security, servers, bucket: `test_${randomUUID().replaceAll("-", "")}` });
  try {
    const isRefused = (error: unknown): boolean => {
      assert.ok(error instanceof RegistryRefusedError, `expected RegistryRefusedError, got ${String(error)}`);
      assert.match(error.message.replace(/^nats registry: /, ""), message);
      if (secret !== undefined) assert.ok(!error.message.includes(secret), "the secret is not in the message");
      return true;
    };
    await assert.rejects(registry.register(nodeOf("users", "micro.rpc.rogue"), { ttlMs: TTL_MS }), isRefused);
    await assert.rejects(checkAccepted(registry), isRefused);
  } finally {
    await registry.close();
  }
  await assert.rejects(new NatsTransport({ ...security, servers }).listen("", async () => ({ ok: true, body: new Uint8Array() })), (error: unknown) => {
    assert.ok(error instanceof NatsRefusedError, `expected NatsRefusedError, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  });
}

describe("nats security", () => {
  it("nats security - with user and password: the right ones register, look up and call; none or a wrong password are refused", async (t) => {
    const nats = await server(t, 'authorization { users = [ { user: "users", password: "right-password" } ] }');
    if (!nats) return;
    await registerLookUpAndCall(t, nats.url, { auth: { kind: "password", user: "users", password: "right-password" } });
    await refused(nats.url, {}, AUTHORIZATION);
    await refused(nats.url, { auth: { kind: "password", user: "users", password: "wrong-password" } }, AUTHORIZATION, "wrong-password");
  });

  it("nats security - a rogue node without credentials cannot register next to a real one, whose lookups stay clean", async (t) => {
    const nats = await server(t, 'authorization { users = [ { user: "users", password: "right-password" } ] }');
    if (!nats) return;
    const security: NatsSecurity = { auth: { kind: "password", user: "users", password: "right-password" } };
    const registry = new NatsRegistry({ ...security, servers: nats.url, bucket: "shared" });
    t.after(() => registry.close());
    await registry.register(nodeOf("users", "micro.rpc.real"), { ttlMs: TTL_MS });
    await refused(nats.url, {}, AUTHORIZATION);
    const nodes = (await registry.getService("users")).flatMap((s) => s.nodes.map((n) => n.address));
    assert.deepEqual(nodes, ["micro.rpc.real"]);
  });

  it("nats security - with a token: the right one works, a wrong one is refused", async (t) => {
    const nats = await server(t, 'authorization { token: "right-token-0123456789" }');
    if (!nats) return;
    await registerLookUpAndCall(t, nats.url, { auth: { kind: "token", token: "right-token-0123456789" } });
    await refused(nats.url, { auth: { kind: "token", token: "wrong-token-0123456789" } }, AUTHORIZATION, "wrong-token");
    await refused(nats.url, {}, AUTHORIZATION);
  });

  it("nats security - with an NKey: the user's seed signs in, another seed is refused", async (t) => {
    const user = nkeys.createUser();
    const other = nkeys.createUser();
    const nats = await server(t, `authorization { users = [ { nkey: "${user.getPublicKey()}" } ] }`);
    if (!nats) return;
    const seedOf = (pair: typeof user): string => new TextDecoder().decode(pair.getSeed());
    await registerLookUpAndCall(t, nats.url, { auth: { kind: "nkey", seed: seedOf(user) } });
    await refused(nats.url, { auth: { kind: "nkey", seed: seedOf(other) } }, AUTHORIZATION, seedOf(other));
    await refused(nats.url, {}, AUTHORIZATION);
  });

  it("nats security - over TLS: a client trusting the CA works at a tls:// URL; one trusting another CA, or none, is refused", async (t) => {
    if (!requireOrSkip(t, natsServerBinary() !== undefined, REASON)) return;
    const dir = await scratch(t);
    const certs = await makeCertificates(dir);
    const nats = await server(t, `tls { ${serverTls(certs)} }`, dir);
    if (!nats) return;
    const url = nats.url.replace("nats://", "tls://");
    await registerLookUpAndCall(t, url, { tls: { caFile: certs.caFile } });
    const untrusted = /^NATS TLS failed at tls:\/\/127\.0\.0\.1:\d+: (unable to verify|self.signed|.*certificate)/i;
    await refused(url, { tls: { caFile: certs.otherCaFile } }, untrusted);
    await refused(url, { tls: {} }, untrusted);
  });

  it("nats security - with verify: true the server takes only a client with a certificate from its CA", async (t) => {
    if (!requireOrSkip(t, natsServerBinary() !== undefined, REASON)) return;
    const dir = await scratch(t);
    const certs = await makeCertificates(dir);
    const nats = await server(t, `tls { ${serverTls(certs)}, verify: true }`, dir);
    if (!nats) return;
    const url = nats.url.replace("nats://", "tls://");
    await registerLookUpAndCall(t, url, { tls: { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile } });
    // TLS 1.3 sends the server's "certificate required" after the client's handshake is done, and
    // nats.js reports the dropped connection as a connect timeout: refused, though not as clearly.
    const registry = new NatsRegistry({ servers: url, tls: { caFile: certs.caFile }, bucket: "nocert" });
    t.after(() => registry.close());
    await assert.rejects(registry.register(nodeOf("users", "micro.rpc.rogue"), { ttlMs: TTL_MS }), /nats registry: cannot connect to tls:\/\/127\.0\.0\.1/);
  });
});

function serverTls(certs: TestCertificates): string {
  return `cert_file: "${certs.serverCertFile}", key_file: "${certs.serverKeyFile}", ca_file: "${certs.caFile}"`;
}
