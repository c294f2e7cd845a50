/**
 * Rate limiting through Fastify's `inject()`: a small app with a stand-in for authentication
 * (it sets `request.identity` in onRequest, as the auth hooks do), the real gateway, and a real
 * Redis shared by two gateways, then taken away.
 */
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from "fastify";
import { Client, ConfigError, EnvReader, MemoryRegistry, RoundRobinSelector, createLogger } from "@gw/micro";
import { HttpTransport } from "@gw/micro/http";
import { waitFor } from "@gw/micro/testing";
import { orders, products, users } from "@gw/proto";
import { buildGateway } from "../app.js";
import { registerUnreachable } from "../catalog/testing.js";
import { type RateLimitOptions, rateLimit, readRateLimitConfig } from "./index.js";
import { closedPort, deleteKeysUnder, keysUnder, redisProxy, requireRedis, testRedisUrl, uniqueKeyPrefix } from "./testing.js";

/** Long enough that no window ends during a test that does not wait for one. */
const LONG_WINDOW_MS = 60_000;

async function smallApp(t: TestContext, options: Partial<RateLimitOptions> = {}): Promise<FastifyInstance> {
  const app = Fastify();
  app.addHook("onRequest", async (request) => {
    const sub = request.headers["x-test-sub"];
    if (typeof sub === "string") Object.assign(request, { identity: { sub, roles: [] } });
  });
  app.register(rateLimit({ enabled: true, max: 3, windowMs: LONG_WINDOW_MS, ...options }));
  app.get("/things", async () => ({ ok: true }));
  for (const probe of ["/health", "/ready", "/metrics"]) app.get(probe, async () => ({ status: "ok" }));
  t.after(() => app.close());
  await app.ready();
  return app;
}

function get(app: FastifyInstance, url = "/things", from: { ip?: string; sub?: string } = {}) {
  const headers: Record<string, string> = from.sub === undefined ? {} : { "x-test-sub": from.sub };
  return app.inject({ method: "GET", url, remoteAddress: from.ip ?? "10.0.0.1", headers });
}

/** The `r=` and `t=` of the RateLimit header, after checking its form and the compatibility trio. */
function budgetOf(res: LightMyRequestResponse): { remaining: number; reset: number } {
  const match = /^"default";r=(\d+);t=(\d+)$/.exec(String(res.headers["ratelimit"]));
  assert.ok(match, `RateLimit header: ${String(res.headers["ratelimit"])}`);
  const [remaining, reset] = [Number(match[1]), Number(match[2])];
  assert.equal(res.headers["x-ratelimit-remaining"], String(remaining));
  assert.equal(res.headers["x-ratelimit-reset"], String(reset));
  return { remaining, reset };
}

test("ratelimit - remaining counts down and the request past the budget is a 429 with Retry-After", async (t) => {
  const app = await smallApp(t, { max: 3 });
  for (const left of [2, 1, 0]) {
    const res = await get(app);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers["ratelimit-policy"], '"default";q=3;w=60');
    assert.equal(res.headers["x-ratelimit-limit"], "3");
    const { remaining, reset } = budgetOf(res);
    assert.equal(remaining, left);
    assert.ok(reset >= 1 && reset <= 60, `t=${reset}`);
  }
  const over = await get(app);
  assert.equal(over.statusCode, 429);
  const { id, code, status, detail, reason } = over.json<{ id: string; code: number; status: string; detail: string; reason: string }>();
  assert.deepEqual({ id, code, status, reason }, { id: "gateway", code: 429, status: "Too Many Requests", reason: "rate_limited" });
  assert.match(detail, /^rate limit exceeded: 3 requests per 60 s; retry in \d+ s$/);
  const retryAfter = Number(over.headers["retry-after"]);
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
  assert.equal(budgetOf(over).remaining, 0);
  assert.equal(over.headers["ratelimit-policy"], '"default";q=3;w=60');
});

test("ratelimit - a new window restores the budget", async (t) => {
  const app = await smallApp(t, { max: 2, windowMs: 1000 });
  assert.deepEqual([(await get(app)).statusCode, (await get(app)).statusCode], [200, 200]);
  const over = await get(app);
  assert.equal(over.statusCode, 429);
  assert.equal(over.headers["retry-after"], "1");
  // Asked until the window ends: a refused request does not lengthen it, so the first 200 is the
  // first request of the new window.
  const again = await waitFor(async () => {
    const res = await get(app);
    if (res.statusCode === 200) return res;
    assert.equal(res.statusCode, 429);
    return undefined;
  }, { intervalMs: 50, what: "the window to end" });
  assert.equal(budgetOf(again).remaining, 1);
});

test("ratelimit - each address has a budget of its own", async (t) => {
  const app = await smallApp(t, { max: 1 });
  assert.equal((await get(app, "/things", { ip: "10.0.0.1" })).statusCode, 200);
  assert.equal((await get(app, "/things", { ip: "10.0.0.1" })).statusCode, 429);
  assert.equal((await get(app, "/things", { ip: "10.0.0.2" })).statusCode, 200);
});

test("ratelimit - an authenticated caller is counted by its subject, not its address", async (t) => {
  const app = await smallApp(t, { max: 1 });
  assert.equal((await get(app, "/things", { ip: "10.0.0.1", sub: "alice" })).statusCode, 200);
  assert.equal((await get(app, "/things", { ip: "10.0.0.1", sub: "bob" })).statusCode, 200, "bob has his own budget");
  assert.equal((await get(app, "/things", { ip: "10.0.0.2", sub: "alice" })).statusCode, 429, "alice's follows her");
  assert.equal((await get(app, "/things", { ip: "10.0.0.1" })).statusCode, 200, "the address's own is untouched");
});

test("ratelimit - probes are never limited and take nothing from the budget", async (t) => {
  const app = await smallApp(t, { max: 1 });
  for (let i = 0; i < 3; i++) {
    for (const probe of ["/health", "/ready", "/metrics", "/health?verbose=1"]) {
      const res = await get(app, probe);
      assert.equal(res.statusCode, 200, probe);
      assert.equal(res.headers["ratelimit"], undefined, probe);
    }
  }
  const res = await get(app);
  assert.equal(res.statusCode, 200);
  assert.equal(budgetOf(res).remaining, 0);
});

async function gateway(t: TestContext, rateLimitOptions?: RateLimitOptions) {
  // Nodes where nothing listens: any backend route is a 503, so a 429 in its place shows the
  // limit was applied before the gateway tried a backend.
  const registry = new MemoryRegistry();
  await registerUnreachable(registry, [users, products, orders]);
  const client = new Client({
    contracts: [users, products, orders] as const,
    selector: new RoundRobinSelector(registry),
    transport: new HttpTransport().client(),
  });
  const logger = createLogger("gateway", "silent");
  const app = buildGateway({ client, registry, logger, ...(rateLimitOptions ? { rateLimit: rateLimitOptions } : {}) });
  t.after(async () => {
    await app.close();
    await client.close();
  });
  return app;
}

test("ratelimit - the gateway limits every route before its backends, but not its probes", async (t) => {
  const app = await gateway(t, { enabled: true, max: 2, windowMs: LONG_WINDOW_MS });
  for (let i = 0; i < 4; i++) {
    const health = await app.inject({ method: "GET", url: "/health" });
    assert.equal(health.statusCode, 200);
    assert.equal(health.headers["ratelimit"], undefined);
  }
  const noNode = await app.inject({ method: "GET", url: "/users/1" });
  assert.equal(noNode.statusCode, 503);
  assert.equal(noNode.headers["ratelimit"], '"default";r=1;t=60', "an error response carries the headers too");
  const unknown = await app.inject({ method: "GET", url: "/nope" });
  assert.equal(unknown.statusCode, 404);
  assert.equal(budgetOf(unknown).remaining, 0);
  const limited = await app.inject({ method: "GET", url: "/users/1" });
  assert.equal(limited.statusCode, 429);
  assert.equal(limited.json<{ id: string }>().id, "gateway");
  assert.ok(limited.headers["x-request-id"], "the gateway's own headers are still set");

  const off = await gateway(t, { enabled: false, max: 1, windowMs: LONG_WINDOW_MS });
  for (let i = 0; i < 3; i++) {
    const res = await off.inject({ method: "GET", url: "/nope" });
    assert.equal(res.statusCode, 404);
    assert.equal(res.headers["ratelimit"], undefined);
  }
});

test("ratelimit - configuration has defaults and rejects bad values with the variable's name", () => {
  const read = (env: Record<string, string>) => readRateLimitConfig(new EnvReader(env));
  assert.deepEqual(read({}), { enabled: true, max: 100, windowMs: 1000 });
  assert.deepEqual(read({ RATE_LIMIT: "off", RATE_LIMIT_MAX: "5", RATE_LIMIT_WINDOW_MS: "60000", REDIS_URL: "rediss://r:6380" }), {
    enabled: false,
    max: 5,
    windowMs: 60_000,
    redisUrl: "rediss://r:6380",
  });
  for (const [variable, value] of [
    ["RATE_LIMIT_MAX", "0"],
    ["RATE_LIMIT_WINDOW_MS", "1500"],
    ["RATE_LIMIT_WINDOW_MS", "999"],
    ["REDIS_URL", "http://r:6379"],
    ["RATE_LIMIT", "maybe"],
  ] as const) {
    assert.throws(() => read({ [variable]: value }), (e: unknown) => e instanceof ConfigError && e.variable === variable);
  }
});

test("ratelimit - gateways sharing one Redis share one budget", async (t) => {
  if (!(await requireRedis(t))) return;
  const keyPrefix = uniqueKeyPrefix();
  t.after(() => deleteKeysUnder(keyPrefix));
  const options = { max: 4, redisUrl: testRedisUrl(), keyPrefix };
  const [a, b] = [await smallApp(t, options), await smallApp(t, options)];
  const remaining = [];
  for (const app of [a, b, a, b]) {
    const res = await get(app);
    assert.equal(res.statusCode, 200);
    remaining.push(budgetOf(res).remaining);
  }
  assert.deepEqual(remaining, [3, 2, 1, 0], "each gateway sees the other's requests");
  assert.equal((await get(a)).statusCode, 429);
  assert.equal((await get(b)).statusCode, 429);
  assert.deepEqual(await keysUnder(keyPrefix), [`${keyPrefix}:ip:10.0.0.1`]);
});

test("ratelimit - a gateway whose Redis goes away limits in its own memory instead of failing", async (t) => {
  if (!(await requireRedis(t))) return;
  const keyPrefix = uniqueKeyPrefix();
  t.after(() => deleteKeysUnder(keyPrefix));
  const proxy = await redisProxy();
  t.after(() => proxy.cut());
  const app = await smallApp(t, { max: 2, redisUrl: proxy.url, keyPrefix });
  assert.equal((await get(app)).statusCode, 200);
  assert.equal((await keysUnder(keyPrefix)).length, 1, "counted in Redis while it was there");
  await proxy.cut();
  // The insurance limiter starts from its own count (nothing is copied from Redis): two more, then 429.
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await get(app)).statusCode);
  assert.deepEqual(statuses, [200, 200, 429]);
});

test("ratelimit - a gateway that cannot reach Redis at all starts and limits in memory", async (t) => {
  const url = `redis://127.0.0.1:${await closedPort()}`;
  const app = await smallApp(t, { max: 2, redisUrl: url, redisConnectWaitMs: 100 });
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await get(app)).statusCode);
  assert.deepEqual(statuses, [200, 200, 429]);
});
