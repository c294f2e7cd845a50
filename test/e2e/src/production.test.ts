/**
 * Production mode with real processes: JWT auth at the gateway with the identity reaching the
 * services, a per-caller rate limit, Prometheus metrics on the gateway and on every service's
 * admin port, readiness on the admin port, and SIGTERM under load (in-flight calls complete,
 * later ones get a clean 503, the process exits 0).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { LocalRegistry } from "@gw/micro";
import { waitFor } from "@gw/micro/testing";
import { System } from "./harness.js";
import { mintToken } from "./tokens.js";
import { isWireError, send } from "./http.js";

type Json = Record<string, unknown>;

const SECRET = "e2e-secret-that-is-at-least-32-bytes-long";
const CALL_SECRET = "e2e-call-credential-secret-of-32-bytes+";
const RATE_LIMIT = 30;

const token = (sub: string, ...roles: string[]) => mintToken(SECRET, sub, ...roles);

describe("production mode - embedded, AUTH=on", () => {
  let system: System;
  let user1: string;
  let user2: string;
  let admin: string;
  const as = (who: string) => ({ headers: { authorization: `Bearer ${who}` } });

  before(async () => {
    [user1, user2, admin] = await Promise.all([token("1", "customer"), token("2", "customer"), token("99", "admin")]);
    system = await System.start({
      env: { AUTH: "on", AUTH_JWT_SECRET: SECRET, MICRO_AUTH_SECRET: CALL_SECRET, RATE_LIMIT_MAX: String(RATE_LIMIT), RATE_LIMIT_WINDOW_MS: "1000", LOG_LEVEL: "info" },
    });
  });
  after(async () => {
    await system?.close();
  });

  test("auth - no token is 401 with a challenge; a user reads itself but not others", async () => {
    const anonymous = await send(system.url, "GET", "/users/1");
    assert.ok(isWireError(anonymous, 401));
    assert.match(String(anonymous.headers["www-authenticate"]), /^Bearer realm="gateway"/);
    assert.equal((await send(system.url, "GET", "/users/1", undefined, as(user1))).status, 200);
    assert.ok(isWireError(await send(system.url, "GET", "/users/2", undefined, as(user1)), 403));
  });

  test("auth - the identity reaches the orders service: another user's order is not found, as a missing one", async () => {
    const created = await send(system.url, "POST", "/orders", { user_id: 1, product_id: 100, amount: 1 }, as(user1));
    assert.equal(created.status, 201, created.text);
    const id = ((created.body as Json).order as Json).id;
    const refused = await send(system.url, "POST", `/orders/${String(id)}/cancel`, undefined, as(user2));
    assert.ok(isWireError(refused, 404), refused.text);
    assert.equal((refused.body as Json).id, "orders", "refused by the service, which knows the owner");
    const read = await send(system.url, "GET", `/orders/${String(id)}`, undefined, as(user2));
    const missing = await send(system.url, "GET", "/orders/999999", undefined, as(user2));
    assert.ok(isWireError(read, 404) && isWireError(missing, 404));
    assert.deepEqual([(read.body as Json).reason, (missing.body as Json).reason], ["order_not_found", "order_not_found"]);
    assert.equal((read.body as Json).detail, `order ${String(id)} not found`, "worded as a missing one, too");
    assert.equal((missing.body as Json).detail, "order 999999 not found");
    assert.equal((await send(system.url, "POST", `/orders/${String(id)}/cancel`, undefined, as(admin))).status, 200);
  });

  test("rate limit - one caller past its budget gets 429 with Retry-After; another caller is unaffected", async () => {
    // A caller no other test uses starts with its whole budget, whichever window is running.
    const user3 = await token("3", "customer");
    const replies = await Promise.all(Array.from({ length: RATE_LIMIT + 10 }, () => send(system.url, "GET", "/products/100", undefined, as(user3))));
    const limited = replies.filter((r) => r.status === 429);
    assert.ok(limited.length >= 10, `${limited.length} of ${replies.length} limited`);
    assert.ok(limited.every((r) => isWireError(r, 429) && Number(r.headers["retry-after"]) >= 1));
    assert.match(String(replies[0]?.headers["ratelimit-policy"]), /q=30/);
    assert.equal((await send(system.url, "GET", "/products/100", undefined, as(user1))).status, 200);
  });

  test("logging - one JSON line per request at the gateway and per RPC in the service, tied by ids", async () => {
    const reply = await send(system.url, "GET", "/users/1", undefined, { headers: { ...as(user1).headers, "x-request-id": "log-check-1" } });
    assert.equal(reply.status, 200);
    const lines = (name: "gateway" | "users") =>
      system
        .output(name)
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Json)
        .filter((l) => l.requestId === "log-check-1");
    await waitFor(() => lines("gateway").length > 0 && lines("users").length > 0, { what: "the request's log lines from the gateway and users" });
    const [request, ...moreRequests] = lines("gateway");
    assert.ok(request, "the gateway logged the request");
    assert.equal(moreRequests.length, 0, "one line per request");
    assert.deepEqual(
      { method: request.method, route: request.route, status: request.status, level: request.level },
      { method: "GET", route: "/users/:id", status: 200, level: "info" },
    );
    assert.equal(typeof request.durationMs, "number");
    assert.match(String(request.traceId), /^[0-9a-f]{32}$/);
    const [rpc, ...moreRpcs] = lines("users");
    assert.ok(rpc, "the users service logged the RPC");
    assert.equal(moreRpcs.length, 0, "one line per RPC");
    assert.deepEqual({ endpoint: rpc.endpoint, code: rpc.code, traceId: rpc.traceId }, { endpoint: "UsersService.Get", code: 200, traceId: request.traceId });
  });

  test("metrics - the gateway (to admins) and every service serve Prometheus text with their series", async () => {
    assert.ok(isWireError(await send(system.url, "GET", "/metrics"), 401));
    assert.ok(isWireError(await send(system.url, "GET", "/metrics", undefined, as(user1)), 403));
    const gateway = await send(system.url, "GET", "/metrics", undefined, as(admin));
    assert.equal(gateway.status, 200);
    for (const series of ["http_requests_total{", "http_request_duration_seconds_bucket{", "micro_client_requests_total{", "micro_client_breaker_state{", "nodejs_eventloop_lag_seconds"]) {
      assert.ok(gateway.text.includes(series), `gateway /metrics has ${series}`);
    }
    for (const [name, admin] of await adminAddresses(system)) {
      const text = (await send(`http://${admin}`, "GET", "/metrics")).text;
      for (const series of ["micro_server_requests_total{", "micro_server_request_duration_seconds_bucket{", 'db_pool_connections{pool="database",state="total"', "nodejs_eventloop_lag_seconds"]) {
        assert.ok(text.includes(series), `${name} /metrics has ${series}`);
      }
      assert.deepEqual((await send(`http://${admin}`, "GET", "/ready")).body, { status: "ok" });
      assert.deepEqual((await send(`http://${admin}`, "GET", "/health")).body, { status: "ok" });
    }
  });

  test("shutdown - SIGTERM under load: in-flight calls complete, later ones are clean 503s, exit 0", async () => {
    // An admin no other test uses: its whole budget is left, whichever window is running.
    const drainAdmin = await token("98", "admin");
    let answered = 0;
    // Spread over 100 ms on purpose: some calls are in flight when SIGTERM lands, some come after.
    const load = Promise.all(
      Array.from({ length: RATE_LIMIT - 5 }, (_, i) =>
        new Promise((r) => setTimeout(r, i * 4)).then(() => send(system.url, "GET", "/users/1", undefined, as(drainAdmin))).then((reply) => {
          answered++;
          return reply;
        }),
      ),
    );
    await waitFor(() => answered > 0, { what: "the first call of the load to be answered" });
    const exited = system.stop("users");
    const statuses = (await load).map((r) => r.status);
    assert.equal(await exited, 0);
    assert.ok(statuses.every((s) => s === 200 || s === 503), `only 200 and 503: ${statuses.join(",")}`);
    assert.ok(statuses.includes(200), "calls before and during the drain were answered");
  });
});

/** Each service's admin address, from its registration. */
async function adminAddresses(system: System): Promise<Array<[string, string]>> {
  const registry = new LocalRegistry({ directory: join(system.dir, "registry") });
  try {
    const found: Array<[string, string]> = [];
    for (const name of ["users", "products", "orders"]) {
      const node = (await registry.getService(name))[0]?.nodes[0];
      assert.ok(node?.metadata.admin, `${name} advertises its admin address`);
      found.push([name, node.metadata.admin]);
    }
    return found;
  } finally {
    await registry.close();
  }
}
