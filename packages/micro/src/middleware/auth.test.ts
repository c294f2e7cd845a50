/**
 * The auth middleware over real parts: Servers on the TCP transport, registered in a
 * MemoryRegistry, called by real Clients. A caller that can reach the port but holds no
 * credential, or one signed with another secret, is refused whatever its metadata claims; a
 * verified account reaches the handler and travels on, with the middle program as its signer.
 */
import assert from "node:assert/strict";
import { type TestContext, describe, test } from "node:test";
import { Type } from "@sinclair/typebox";
import { createCredentialSigner, createCredentialVerifier } from "../auth/index.js";
import { Client } from "../client/index.js";
import { defineService } from "../contract/index.js";
import type { CallContext } from "../metadata/index.js";
import { MicroError } from "../errors/index.js";
import { MemoryRegistry } from "../registry/memory.js";
import { RoundRobinSelector } from "../selector/index.js";
import { Server } from "../server/index.js";
import { TcpTransport } from "../transport/tcp/index.js";
import { clientAuth, serverAuth } from "./auth.js";

const SECRET = new TextEncoder().encode("the-shared-secret-of-this-test-32-bytes+");
const Seen = Type.Object({ account: Type.Union([Type.Null(), Type.Object({ id: Type.String(), roles: Type.Array(Type.String()), issuer: Type.String() })]) });

const inner = defineService({ name: "inner", handler: "Inner", endpoints: { Who: { request: Type.Object({}), response: Seen } } });
const outer = defineService({
  name: "outer",
  handler: "Outer",
  endpoints: { Relay: { request: Type.Object({ own: Type.Boolean() }), response: Seen } },
});
const CONTRACTS = [inner, outer] as const;

const seen = (context: CallContext) => ({ account: context.account ? { ...context.account, roles: [...context.account.roles] } : null });

interface World {
  client(issuer: string | undefined, secret?: Uint8Array): Client<typeof CONTRACTS>;
}

async function world(t: TestContext): Promise<World> {
  const registry = new MemoryRegistry();
  const transport = new TcpTransport();
  const closers: Array<() => Promise<void>> = [];
  t.after(async () => {
    for (const close of closers) await close();
    await registry.close();
  });
  const client = (issuer: string | undefined, secret = SECRET) => {
    const made = new Client({
      contracts: CONTRACTS,
      selector: new RoundRobinSelector(registry),
      transport: transport.client(),
      wrappers: issuer === undefined ? [] : [clientAuth(createCredentialSigner({ issuer, secret }))],
    });
    closers.unshift(() => made.close());
    return made;
  };
  const outerClient = client("outer");
  const servers = [
    new Server({ name: "inner", wrappers: [serverAuth(createCredentialVerifier({ audience: "inner", secret: SECRET }))] }).handle(inner, {
      Who: async (_request, context) => seen(context),
    }),
    new Server({ name: "outer", wrappers: [serverAuth(createCredentialVerifier({ audience: "outer", secret: SECRET }))] }).handle(outer, {
      Relay: async ({ own }, context) => outerClient.call("inner", "Inner.Who", {}, own ? {} : { context }),
    }),
  ];
  for (const server of servers) {
    const listener = await transport.listen("127.0.0.1:0", server.serve);
    closers.push(() => listener.close(0));
    const node = { id: `${server.name}-1`, address: listener.address, metadata: { transport: "tcp" } };
    await registry.register({ name: server.name, version: "1", endpoints: server.endpoints(), nodes: [node] }, { ttlMs: 60_000 });
  }
  return { client };
}

function refused(reason: "credential_required" | "credential_invalid"): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof MicroError, String(error));
    assert.deepEqual([error.code, error.id, error.status, error.reason], [401, "inner", "Unauthorized", reason], error.detail);
    return true;
  };
}

const FORGED = { "user-id": "1", "user-roles": "admin", "micro-account": "admin" };

describe("auth - middleware", () => {
  test("auth - a call without a credential is 401 in the error shape, whatever its metadata claims", async (t) => {
    const { client } = await world(t);
    const attacker = client(undefined);
    await assert.rejects(attacker.call("inner", "Inner.Who", {}), refused("credential_required"));
    await assert.rejects(attacker.call("inner", "Inner.Who", {}, { metadata: FORGED }), refused("credential_required"));
    await assert.rejects(attacker.call("inner", "Inner.Who", {}, { metadata: { "micro-credential": "forged" } }), refused("credential_invalid"));
  });

  test("auth - a credential signed with another secret is refused", async (t) => {
    const { client } = await world(t);
    const rogue = client("gateway", new TextEncoder().encode("a-rogue-secret-that-is-32-bytes-long!!!"));
    await assert.rejects(rogue.call("inner", "Inner.Who", {}, { account: { id: "1", roles: ["admin"] } }), refused("credential_invalid"));
  });

  test("auth - the verified account reaches the handler; metadata cannot change it", async (t) => {
    const { client } = await world(t);
    const gateway = client("gateway");
    const reply = await gateway.call("inner", "Inner.Who", {}, { account: { id: "7", roles: ["customer"] }, metadata: FORGED });
    assert.deepEqual(reply.account, { id: "7", roles: ["customer"], issuer: "gateway" });
  });

  test("auth - a nested call acts for the same account, signed by the program that makes it", async (t) => {
    const { client } = await world(t);
    const gateway = client("gateway");
    const relayed = await gateway.call("outer", "Outer.Relay", { own: false }, { account: { id: "7", roles: ["customer"] } });
    assert.deepEqual(relayed.account, { id: "7", roles: ["customer"], issuer: "outer" });
    const own = await gateway.call("outer", "Outer.Relay", { own: true }, { account: { id: "7", roles: ["admin"] } });
    assert.deepEqual(own.account, { id: "outer", roles: [], issuer: "outer" });
  });
});
