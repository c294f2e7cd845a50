/**
 * The dashboard through the real gateway app (`buildGateway`, Fastify `inject()`), real `Server`s
 * behind a real `Client` (auth/testing.ts) and the real auth plugin: the page and its files are
 * public and hold no data, every data endpoint is for admins, and the state it serves is the
 * registry's, the breakers' gauge, `/ready`'s verdict and the traffic the gateway answered.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import { Metrics, createLogger } from "@gw/micro";
import { buildGateway } from "../app.js";
import type { App } from "../context.js";
import { secretAuth } from "../auth/index.js";
import { type Backends, assertForbidden, assertUnauthorized, startBackends } from "../auth/testing.js";
import { secretBytes, signToken } from "../auth/testing-keys.js";
import type { DashboardState } from "./state.js";

const SECRET = "test-secret-of-the-dashboard-suite-at-least-32-bytes";
const logger = createLogger("gateway", "silent");

let backends: Backends;
let app: App;
let metrics: Metrics;
let admin: string, customer: string;

before(async () => {
  backends = await startBackends();
  metrics = new Metrics("gateway");
  app = buildGateway({ client: backends.client, registry: backends.registry, logger, auth: secretAuth(SECRET), metrics, expect: ["orders", "products", "users"] });
  await app.ready();
  admin = await signToken({ sub: "ops", roles: ["admin"] }, secretBytes(SECRET));
  customer = await signToken({ sub: "1", roles: ["customer"] }, secretBytes(SECRET));
});
after(async () => {
  await app?.close();
  await backends?.close();
});

function get(url: string, token?: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: "GET", url, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
}

async function state(): Promise<DashboardState> {
  const res = await get("/dashboard/api/state", admin);
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers["cache-control"], "no-store");
  return JSON.parse(res.body) as DashboardState;
}

/** Polls the state until `holds`; the state is shared for a second, so this is how a test sees a change. */
async function stateWhere(holds: (s: DashboardState) => boolean, what: string): Promise<DashboardState> {
  const end = Date.now() + 5_000;
  for (;;) {
    const s = await state();
    if (holds(s)) return s;
    if (Date.now() > end) throw new Error(`the dashboard state never showed ${what}: ${JSON.stringify(s).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The `href` and `src` links of a page that the browser fetches (not `data:`), resolved as it would from `from`. */
function linksOf(html: string, from: string): string[] {
  return [...html.matchAll(/(?:href|src)="([^"]+)"/g)].filter((m) => !m[1]!.startsWith("data:")).map((m) => new URL(m[1]!, `http://gateway${from}`).pathname);
}

describe("dashboard", () => {
  test("dashboard - the page and its files are public, hold no data and load nothing from elsewhere", async () => {
    for (const from of ["/dashboard", "/dashboard/"]) {
      const page = await get(from);
      assert.equal(page.statusCode, 200, page.body);
      assert.equal(page.headers["content-type"], "text/html; charset=utf-8");
      const csp = String(page.headers["content-security-policy"]);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(page.body, /users|products|orders/, "the page itself names no service");
      const links = linksOf(page.body, from);
      assert.deepEqual(links.sort(), ["/dashboard/dashboard.css", "/dashboard/dashboard.js"]);
      for (const link of links) {
        const file = await get(link);
        assert.equal(file.statusCode, 200, `${link}: ${file.body}`);
        assert.match(String(file.headers["content-type"]), /^text\/(javascript|css)/);
        // The SVG namespace is a name, not an address.
        assert.doesNotMatch(file.body, /https?:\/\/(?!www\.w3\.org\/2000\/svg")/, `${link} loads nothing from elsewhere`);
      }
    }
    const form = await get("/dashboard/form.js");
    assert.equal(form.statusCode, 200);
    const etag = String(form.headers.etag);
    assert.equal((await app.inject({ method: "GET", url: "/dashboard/form.js", headers: { "if-none-match": etag } })).statusCode, 304);
    assert.equal((await get("/dashboard/nope.js")).statusCode, 404);
  });

  test("dashboard - the data endpoint is 401 without a token, 403 without the admin role", async () => {
    assertUnauthorized(await get("/dashboard/api/state"));
    assertForbidden(await get("/dashboard/api/state", customer));
  });

  test("dashboard - shows every registered service with its nodes and endpoints, and readiness as /ready decides it", async () => {
    const s = await state();
    assert.deepEqual(s.services.map((x) => x.name), ["orders", "products", "users"]);
    const users = s.services.find((x) => x.name === "users")!;
    assert.deepEqual(users.nodes.map((n) => n.id), ["users-test"]);
    assert.equal(users.nodes[0]?.metadata.transport, "http");
    // The memory registry stores a registration's time: the node's heartbeat.
    assert.ok(typeof users.nodes[0]?.refreshedAt === "number" && users.nodes[0].refreshedAt <= s.at, JSON.stringify(users.nodes[0]));
    const get = users.endpoints.find((e) => e.name === "UsersService.Get");
    assert.deepEqual(get?.request.required, ["id"]);
    assert.ok(get?.metadata.http?.some((b) => b.path === "/users/{id}"));
    assert.equal(s.readiness.status, "ok");
    assert.equal(s.readiness.registryReachable, true);
    assert.deepEqual(s.readiness.expected, ["orders", "products", "users"].map((name) => ({ name, nodes: 1, catalog: true })));
    assert.deepEqual(s.readiness.problems, []);
  });

  test("dashboard - a node that leaves the registry leaves the dashboard, and /ready and the dashboard agree", async () => {
    const [products] = await backends.registry.getService("products");
    assert.ok(products);
    await backends.registry.deregister(products);
    try {
      const s = await stateWhere((x) => x.services.find((y) => y.name === "products")?.nodes.length === 0, "products without a node");
      // Its catalog outlives its nodes: still listed, as its routes still answer (503).
      assert.ok(s.services.find((y) => y.name === "products")!.endpoints.length > 0);
      assert.equal(s.readiness.status, "unavailable");
      assert.deepEqual(s.readiness.missing, ["products"]);
      const ready = await get("/ready");
      assert.equal(ready.statusCode, 503);
      assert.match(JSON.parse(ready.body).detail, /no node for products/);
    } finally {
      await backends.registry.register(products, { ttlMs: 60_000 });
    }
    await stateWhere((x) => x.readiness.status === "ok", "ready again");
  });

  test("dashboard - each downstream's breaker state is read from the micro_client_breaker_state gauge", async () => {
    metrics.breakerState.set({ service: "users" }, 0);
    metrics.breakerState.set({ service: "products" }, 2);
    metrics.breakerState.set({ service: "orders" }, 1);
    const s = await stateWhere((x) => x.services.find((y) => y.name === "products")?.breaker === "open", "the products breaker open");
    assert.deepEqual(Object.fromEntries(s.services.map((x) => [x.name, x.breaker])), { orders: "half-open", products: "open", users: "closed" });
  });

  test("dashboard - counts requests per route pattern with their status, and keeps the last requests with their ids", async () => {
    const ok = await get("/users/1", admin);
    assert.equal(ok.statusCode, 200, ok.body);
    const missing = await get("/users/999", admin);
    assert.equal(missing.statusCode, 404, missing.body);
    const id = String(missing.headers["x-request-id"]);
    const s = await stateWhere((x) => x.recent.some((r) => r.requestId === id), "the last request");
    const route = s.routes.find((r) => r.method === "GET" && r.route === "/users/:id");
    assert.ok(route, JSON.stringify(s.routes));
    assert.ok(route.lastMinute.requests >= 2);
    assert.ok(route.lastMinute.clientErrorRate > 0);
    assert.ok(route.lastMinute.p50 !== undefined && route.lastMinute.p99 !== undefined && route.lastMinute.p99 >= route.lastMinute.p50);
    const last = s.recent.find((r) => r.requestId === id)!;
    assert.equal(last.method, "GET");
    assert.equal(last.route, "/users/:id");
    assert.equal(last.status, 404);
    // The dashboard's own readings are not traffic: they would fill the window they show.
    assert.ok(!s.routes.some((r) => r.route.startsWith("/dashboard")), JSON.stringify(s.routes.map((r) => r.route)));
    assert.ok(s.routes.some((r) => r.route === "unknown"), "the 404 of /dashboard/nope.js is counted as an unrouted request");
  });
});
