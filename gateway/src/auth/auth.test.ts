/**
 * The gateway's authentication and authorization, end to end through the real app: Fastify
 * `inject()` into `buildGateway`, a real `Client` over HTTP to real `Server`s (see testing.ts),
 * real jose tokens, a real JWKS over HTTP, and the real token script.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import { generateKeyPair, jwtVerify } from "jose";
import { ConfigError, EnvReader, Metrics, createLogger } from "@gw/micro";
import { buildGateway } from "../app.js";
import type { App } from "../context.js";
import { type AuthConfig, DEV_JWT_SECRET, bearerToken, readAuthConfig, secretAuth } from "./index.js";
import { type Backends, assertForbidden, assertUnauthorized, startBackends } from "./testing.js";
import { deadUrl, secretBytes, signToken, startJwksServer, unsignedToken } from "./testing-keys.js";

const SECRET = "test-secret-of-the-auth-suite-at-least-32-bytes";
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const logger = createLogger("gateway", "silent");

let backends: Backends;
let app: App;
let user1: string, admin: string;
before(async () => {
  backends = await startBackends();
  app = gateway(secretAuth(SECRET));
  user1 = await signToken({ sub: "1", roles: ["customer"] }, secretBytes(SECRET));
  admin = await signToken({ sub: "ops", roles: ["admin"] }, secretBytes(SECRET));
});
after(async () => {
  await app.close();
  await backends.close();
});

function gateway(auth: AuthConfig | undefined): App {
  return buildGateway({ client: backends.client, registry: backends.registry, logger, ...(auth ? { auth } : {}) });
}

/** Polls `condition` until it holds, for at most 5 s. */
async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 5000;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error("waitFor: the condition did not hold within 5 s");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function call(method: string, url: string, token?: string, body?: object, on = app): Promise<LightMyRequestResponse> {
  const headers = token === undefined ? {} : { authorization: `Bearer ${token}` };
  return on.inject({ method: method as "GET", url, headers, ...(body ? { payload: body } : {}) });
}

describe("auth - authentication", () => {
  test("auth - a request without a token is 401 with a bare Bearer challenge", async () => {
    assertUnauthorized(await call("GET", "/products/100"));
    const basic = await app.inject({ method: "GET", url: "/products/100", headers: { authorization: "Basic YTpi" } });
    assertUnauthorized(basic);
  });

  test("auth - a malformed token or header is 401 invalid_token", async () => {
    assertUnauthorized(await call("GET", "/products/100", "not-a-jwt"), /the token is malformed/);
    assertUnauthorized(await call("GET", "/products/100", "a.b.c"), /the token is malformed/);
    assertUnauthorized(await call("GET", "/products/100", "two words"), /the Bearer token is malformed/);
    assertUnauthorized(await call("GET", "/products/100", ""), /the Bearer token is malformed/);
  });

  test("auth - an expired token is 401 invalid_token saying so, without echoing the token", async () => {
    const expired = await signToken({ sub: "1" }, secretBytes(SECRET), { expiresInSec: -60 });
    assertUnauthorized(await call("GET", "/users/1", expired), /the token has expired/, expired);
  });

  test("auth - a token without exp, or living longer than the maximum, is 401", async () => {
    const key = secretBytes(SECRET);
    assertUnauthorized(await call("GET", "/users/1", await signToken({ sub: "1" }, key, { noExpiry: true })), /the token has no valid expiry \(exp\)/);
    const year2100 = await signToken({ sub: "1" }, key, { expiresInSec: Math.floor(Date.UTC(2100, 0, 1) / 1000 - Date.now() / 1000) });
    assertUnauthorized(await call("GET", "/users/1", year2100), /the token's lifetime exceeds the maximum this gateway accepts/);
    const day = 24 * 3600;
    // 23 h left, but issued 2 h ago: 25 h in all.
    const longLived = await signToken({ sub: "1" }, key, { expiresInSec: day - 3600, issuedAgoSec: 7200 });
    assertUnauthorized(await call("GET", "/users/1", longLived), /the token's lifetime exceeds the maximum this gateway accepts/);
    assert.equal((await call("GET", "/users/1", await signToken({ sub: "1" }, key, { expiresInSec: day - 60 }))).statusCode, 200);
    const hour = gateway({ ...secretAuth(SECRET), maxTokenLifetimeSec: 3600 } as AuthConfig);
    assertUnauthorized(await call("GET", "/users/1", await signToken({ sub: "1" }, key, { expiresInSec: 7200 }), undefined, hour), /the token's lifetime exceeds the maximum this gateway accepts/);
    await hour.close();
  });

  test("auth - /metrics is for admins when auth is on", async () => {
    const metered = buildGateway({ client: backends.client, registry: backends.registry, logger, auth: secretAuth(SECRET), metrics: new Metrics("gateway") });
    assertUnauthorized(await call("GET", "/metrics", undefined, undefined, metered));
    assertForbidden(await call("GET", "/metrics", user1, undefined, metered));
    const scraped = await call("GET", "/metrics", admin, undefined, metered);
    assert.equal(scraped.statusCode, 200);
    assert.match(scraped.body, /# TYPE /);
    await metered.close();
  });

  test("auth - a token signed with another secret is 401", async () => {
    const forged = await signToken({ sub: "1", roles: ["admin"] }, secretBytes("another-secret-that-is-at-least-32-bytes"));
    assertUnauthorized(await call("GET", "/users/1", forged), /the token's signature is invalid/, forged);
  });

  test("auth - an unsigned token (alg none) is 401", async () => {
    assertUnauthorized(await call("GET", "/users", unsignedToken({ sub: "1", roles: ["admin"] })), /.+/);
  });

  test("auth - a token without a string sub, or with bad roles, is 401", async () => {
    const noSub = await signToken({ roles: ["admin"] }, secretBytes(SECRET));
    assertUnauthorized(await call("GET", "/products", noSub), /the token has no subject \(sub\)/);
    const numericSub = await signToken({ sub: 1 } as unknown as { sub: string }, secretBytes(SECRET));
    assertUnauthorized(await call("GET", "/products", numericSub), /the token has no subject \(sub\)/);
    const badRoles = await signToken({ sub: "1", roles: "admin" }, secretBytes(SECRET));
    assertUnauthorized(await call("GET", "/products", badRoles), /the token's roles claim must be a list of role names/);
  });

  test("auth - probes, unknown routes and wrong methods need no token", async () => {
    assert.equal((await call("GET", "/health")).statusCode, 200);
    assert.equal((await call("GET", "/health", "garbage")).statusCode, 200);
    assert.equal((await call("GET", "/ready")).statusCode, 200);
    assert.equal((await call("GET", "/nowhere")).statusCode, 404);
    assert.equal((await call("PUT", "/users/1")).statusCode, 405);
  });

  test("auth - issuer and audience are required when configured", async () => {
    const strict = gateway(secretAuth(SECRET, { issuer: "https://id.example", audience: "gateway" }));
    const plain = await signToken({ sub: "1" }, secretBytes(SECRET));
    assertUnauthorized(await call("GET", "/products", plain, undefined, strict), /the token's issuer is not accepted/);
    const good = await signToken({ sub: "1", iss: "https://id.example", aud: "gateway" }, secretBytes(SECRET));
    assert.equal((await call("GET", "/products", good, undefined, strict)).statusCode, 200);
    await strict.close();
  });
});

describe("auth - authorization", () => {
  test("auth - a user reads and changes itself, and no other user", async () => {
    assert.equal((await call("GET", "/users/1", user1)).statusCode, 200);
    assert.equal((await call("GET", "/users?id=1", user1)).statusCode, 200);
    assert.equal((await call("PATCH", "/users/1", user1, { name: "Ada L." })).statusCode, 200);
    assertForbidden(await call("GET", "/users/2", user1));
    assertForbidden(await call("GET", "/users?id=2", user1));
    assertForbidden(await call("PATCH", "/users/2", user1, { name: "Not Bob" }));
    assertForbidden(await call("GET", "/users", user1));
    assert.equal((await call("GET", "/users", admin)).statusCode, 200);
  });

  test("auth - a user orders for itself only, and a refused order reaches no service", async () => {
    assert.equal((await call("POST", "/orders", user1, { user_id: 1, product_id: 100, amount: 2.5 })).statusCode, 201);
    const before = backends.calls.length;
    assertForbidden(await call("POST", "/orders", user1, { user_id: 2, product_id: 100, amount: 2.5 }));
    assertForbidden(await call("POST", "/orders", user1, { user_id: "2", product_id: 100, amount: 2.5 }));
    // Rules run before validation: a mistyped own id passes the rule and then fails validation.
    assert.equal((await call("POST", "/orders", user1, { user_id: "1", product_id: 100, amount: 2.5 })).statusCode, 400);
    assert.equal(backends.calls.length, before);
    assert.equal((await call("POST", "/orders", admin, { user_id: 2, product_id: 100, amount: 1 })).statusCode, 201);
  });

  test("auth - a user lists its own orders only; without user_id only an admin may", async () => {
    const own = await call("GET", "/orders?user_id=1", user1);
    assert.equal(own.statusCode, 200);
    assert.ok(own.json<{ orders: Array<{ user_id: number }> }>().orders.every((o) => o.user_id === 1));
    assertForbidden(await call("GET", "/orders?user_id=2", user1));
    assertForbidden(await call("GET", "/orders", user1));
    assert.equal((await call("GET", "/orders", admin)).statusCode, 200);
  });

  test("auth - any verified caller reads products; only an admin writes them", async () => {
    const service = await signToken({ sub: "billing" }, secretBytes(SECRET));
    for (const token of [user1, service]) {
      for (const url of ["/products", "/products/100", "/products?id=100"]) assert.equal((await call("GET", url, token)).statusCode, 200);
    }
    assertForbidden(await call("POST", "/products", user1, { name: "Gadget", price: 5 }));
    assertForbidden(await call("DELETE", "/products/100", user1));
    assert.equal((await call("POST", "/products", admin, { name: "Gadget", price: 5 })).statusCode, 201);
  });

  test("auth - /rpc and POST /users are for admins only", async () => {
    const rpc = { service: "users", endpoint: "UsersService.Get", request: { id: 2 } };
    assertForbidden(await call("POST", "/rpc", user1, rpc));
    assert.equal((await call("POST", "/rpc", admin, rpc)).statusCode, 200);
    const user = { email: "cy@example.com", name: "Cy" };
    assertForbidden(await call("POST", "/users", user1, user));
    assert.equal((await call("POST", "/users", admin, user)).statusCode, 201);
    assertForbidden(await call("DELETE", "/users/1", user1));
  });

  test("auth - the verified identity reaches the service handler as the account of a signed credential", async (t) => {
    const token = await signToken({ sub: "1", roles: ["customer", "beta"] }, secretBytes(SECRET));
    let seen = 0;
    backends.inspect = ({ metadata, account }) => {
      seen++;
      assert.deepEqual(account, { id: "1", roles: ["customer", "beta"], issuer: "gateway" });
      assert.equal(metadata["request-id"], "trace-me-1");
      assert.ok(!("user-id" in metadata) && !("user-roles" in metadata), "no identity travels as plain metadata");
    };
    t.after(() => (backends.inspect = undefined));
    const res = await app.inject({
      method: "POST",
      url: "/orders",
      headers: { authorization: `Bearer ${token}`, "x-request-id": "trace-me-1" },
      payload: { user_id: 1, product_id: 100, amount: 3 },
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(seen, 1);
  });

  test("auth - without user auth the gateway checks no token, and its calls act as the gateway itself", async () => {
    const open = gateway(undefined);
    assert.equal((await call("GET", "/users", undefined, undefined, open)).statusCode, 200);
    assert.equal((await call("POST", "/rpc", "garbage", { service: "users", endpoint: "UsersService.Get", request: { id: 1 } }, open)).statusCode, 200);
    assert.deepEqual(backends.calls.at(-1)?.account, { id: "gateway", roles: [], issuer: "gateway" });
    await open.close();
  });

  test("auth - a catalog route whose endpoint declares no rule is for admins only: it fails closed", async () => {
    const endpoint = { name: "LooseService.Open", request: { type: "object", properties: {} }, response: { type: "object", properties: { ok: { type: "boolean" } } }, metadata: { http: [{ method: "GET" as const, path: "/loose" }] } };
    const node = { id: "loose-1", address: "127.0.0.1:1", metadata: {} };
    await backends.registry.register({ name: "loose", version: "test", endpoints: [endpoint], nodes: [node] }, { ttlMs: 60_000 });
    try {
      await waitFor(async () => (await call("GET", "/loose", admin)).statusCode !== 404);
      const refused = await call("GET", "/loose", user1);
      assertForbidden(refused);
      assert.match(refused.json<{ detail: string }>().detail, /admin role/);
      assertUnauthorized(await call("GET", "/loose"));
      // The admin passes the rule and reaches the (unreachable) node: a 503, not a 403.
      assert.equal((await call("GET", "/loose", admin)).statusCode, 503);
    } finally {
      await backends.registry.deregister({ name: "loose", version: "test", endpoints: [endpoint], nodes: [node] });
    }
  });
});

describe("auth - keys and configuration", () => {
  test("auth - RS256 and ES256 tokens verify against a JWKS over HTTP; HS256 ones are refused there", async (t) => {
    const jwks = await startJwksServer();
    const remote = gateway({ enabled: true, key: { kind: "jwks", url: jwks.url } });
    t.after(async () => {
      await remote.close();
      await jwks.close();
    });
    const rs = await signToken({ sub: "1" }, jwks.keys.RS256, { alg: "RS256", kid: "rs-1" });
    const es = await signToken({ sub: "1" }, jwks.keys.ES256, { alg: "ES256", kid: "es-1" });
    assert.equal((await call("GET", "/users/1", rs, undefined, remote)).statusCode, 200);
    assert.equal((await call("GET", "/users/1", es, undefined, remote)).statusCode, 200);
    assertUnauthorized(await call("GET", "/users/1", user1, undefined, remote), /the token's signing algorithm is not accepted/);
    assert.equal(jwks.fetches(), 1);
  });

  test("auth - an unreachable JWKS is 503, not 401: the token may be fine", async () => {
    const remote = gateway({ enabled: true, key: { kind: "jwks", url: await deadUrl() } });
    const { privateKey } = await generateKeyPair("RS256");
    const res = await call("GET", "/users/1", await signToken({ sub: "1" }, privateKey, { alg: "RS256" }), undefined, remote);
    assert.equal(res.statusCode, 503, res.body);
    assert.equal(res.json<{ reason: string }>().reason, "token_keys_unavailable");
    await remote.close();
  });

  test("auth - AUTH defaults to on, and on without a key is a ConfigError naming both variables", () => {
    assert.throws(() => readAuthConfig(new EnvReader({})), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /AUTH_JWT_SECRET/);
      assert.match(e.message, /AUTH_JWKS_URL/);
      return true;
    });
    assert.deepEqual(readAuthConfig(new EnvReader({ AUTH: "off" })), { enabled: false });
    const short = "too-short-secret";
    assert.throws(() => readAuthConfig(new EnvReader({ AUTH_JWT_SECRET: short })), (e: unknown) => e instanceof ConfigError && !e.message.includes(short));
    assert.throws(() => readAuthConfig(new EnvReader({ AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: "https://id.example/jwks" })), ConfigError);
    const jwks = readAuthConfig(new EnvReader({ AUTH_JWKS_URL: "https://id.example/jwks", AUTH_ISSUER: "https://id.example" }));
    assert.deepEqual(jwks, { enabled: true, key: { kind: "jwks", url: "https://id.example/jwks" }, issuer: "https://id.example", audience: undefined, maxTokenLifetimeSec: 86_400 });
  });

  test("auth - the development secret is refused unless the gateway listens on loopback, whatever NODE_ENV says", () => {
    for (const HOST of ["0.0.0.0", "::", "192.168.1.20", "gateway.example"]) {
      for (const NODE_ENV of ["development", "production", ""]) {
        assert.throws(() => readAuthConfig(new EnvReader({ AUTH_JWT_SECRET: DEV_JWT_SECRET, HOST, NODE_ENV })), (e: unknown) => {
          assert.ok(e instanceof ConfigError);
          assert.match(e.message, /AUTH_JWT_SECRET: expected a secret of your own: the development secret is public/);
          return true;
        });
      }
    }
    for (const HOST of ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]", ""]) {
      assert.equal(readAuthConfig(new EnvReader({ AUTH_JWT_SECRET: DEV_JWT_SECRET, HOST })).enabled, true, HOST);
    }
  });

  test("auth - AUTH_MAX_TOKEN_LIFETIME takes a duration, 24 h by default", () => {
    const lifetime = (value: string | undefined) => {
      const config = readAuthConfig(new EnvReader({ AUTH_JWT_SECRET: SECRET, AUTH_MAX_TOKEN_LIFETIME: value }));
      return config.enabled ? config.maxTokenLifetimeSec : undefined;
    };
    assert.deepEqual([lifetime(undefined), lifetime("3600"), lifetime("90m"), lifetime("12h"), lifetime("2d")], [86_400, 3600, 5400, 43_200, 172_800]);
    for (const bad of ["0", "-1", "1y", "soon", "1.5h"]) assert.throws(() => lifetime(bad), ConfigError, bad);
  });

  test("auth - bearerToken reads RFC 6750 credentials and nothing else", () => {
    assert.equal(bearerToken(undefined), undefined);
    assert.equal(bearerToken("Basic YTpi"), undefined);
    assert.equal(bearerToken("bearer abc.DEF-_~+/=="), "abc.DEF-_~+/==");
    assert.equal(bearerToken("Bearer"), "");
    assert.equal(bearerToken("Bearer a,b"), "");
  });

  test("auth - the token script signs with AUTH_JWT_SECRET, and refuses to sign without it", async () => {
    const env = { ...process.env, AUTH_JWT_SECRET: SECRET, AUTH_ISSUER: "", AUTH_AUDIENCE: "" };
    const run = spawnSync(process.execPath, ["scripts/token.mjs", "--sub", "1", "--role", "admin"], { cwd: ROOT, env, encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    const token = run.stdout.trim();
    const { payload } = await jwtVerify(token, secretBytes(SECRET), { algorithms: ["HS256"] });
    assert.deepEqual([payload.sub, payload.roles], ["1", ["admin"]]);
    assert.equal((await call("GET", "/users", token)).statusCode, 200);
    const unset = spawnSync(process.execPath, ["scripts/token.mjs", "--sub", "1"], { cwd: ROOT, env: { ...env, AUTH_JWT_SECRET: "" }, encoding: "utf8" });
    assert.equal(unset.status, 2);
    assert.equal(unset.stdout, "");
    assert.match(unset.stderr, /^token: AUTH_JWT_SECRET is not set/);
    const bad = spawnSync(process.execPath, ["scripts/token.mjs", "--ttl", "soon"], { cwd: ROOT, env, encoding: "utf8" });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--sub is required[\s\S]*usage:/);
  });
});
