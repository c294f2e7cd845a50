/**
 * The catalog's routes: how bindings are read, how a table chooses and refuses routes, how HTTP
 * parts become an endpoint's request, and how the live catalog follows a real registry.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Endpoint, MemoryRegistry, MicroError, createLogger, endpointsOf } from "@gw/micro";
import { orders, products, users } from "@gw/proto";
import { readBinding } from "./binding.js";
import { callRequest, rawFields } from "./call-request.js";
import { LiveCatalog } from "./live-catalog.js";
import { RouteTable, type ServiceCatalog } from "./route-table.js";

const logger = createLogger("gateway", "silent");
const catalogs: ServiceCatalog[] = [users, products, orders].map((c) => ({ service: c.name, endpoints: endpointsOf(c) }));

function endpoint(name: string, http: Endpoint["metadata"]["http"], properties: Record<string, unknown> = { id: { type: "integer" } }): Endpoint {
  return { name, request: { type: "object", properties, additionalProperties: false }, response: { type: "object", properties: { ok: { type: "boolean" } } }, metadata: { http, auth: "public" } };
}

function statusOf(run: () => unknown): number | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof MicroError ? error.code : -1;
  }
}

function detailOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof MicroError) return error.detail;
  }
  throw new Error("expected a MicroError");
}

describe("catalog - bindings", () => {
  test("catalog - a template becomes the router's pattern, and the success status follows the response", () => {
    const [get, , , , del] = endpointsOf(users);
    const byPath = readBinding(get as Endpoint, { method: "GET", path: "/users/{id}" });
    assert.ok(typeof byPath !== "string");
    assert.deepEqual([byPath.pattern, byPath.pathFields, byPath.status, byPath.queryTakesRest], ["/users/:id", ["id"], 200, true]);
    const deleted = readBinding(del as Endpoint, { method: "DELETE", path: "/users/{id}" });
    assert.ok(typeof deleted !== "string");
    assert.deepEqual([deleted.status, deleted.hasBody], [204, false]);
  });

  test("catalog - a binding that cannot be served says why", () => {
    const e = endpoint("X.Y", []);
    assert.match(String(readBinding(e, { method: "GET", path: "/x/{nope}" })), /names \{nope\}, which the request of X.Y does not have/);
    assert.match(String(readBinding(e, { method: "GET", path: "x" })), /must start with \//);
    assert.match(String(readBinding(e, { method: "GET", path: "/x/{id}-{id}" })), /neither a \{field\} nor plain characters/);
    assert.match(String(readBinding(e, { method: "TRACE" as "GET", path: "/x" })), /is not one of GET/);
    assert.match(String(readBinding(e, { method: "POST", path: "/x", status: 404 })), /is not a success/);
  });
});

describe("catalog - the route table", () => {
  const table = new RouteTable(catalogs);

  test("catalog - the seed's routes are plain bindings: GET /users?id=1 is Get, GET /users is List", () => {
    assert.equal(table.find("GET", "/users", { id: "1" })?.route.endpoint.name, "UsersService.Get");
    assert.equal(table.find("GET", "/users", {})?.route.endpoint.name, "UsersService.List");
    assert.equal(table.find("GET", "/users", { limit: "5" })?.route.endpoint.name, "UsersService.List");
    assert.equal(table.find("HEAD", "/users/7", {})?.route.endpoint.name, "UsersService.Get");
    assert.equal(table.find("POST", "/orders/5/cancel", {})?.route.endpoint.name, "OrdersService.Cancel");
    assert.equal(table.find("POST", "/orders", {})?.route.served.status, 201);
    assert.equal(table.find("GET", "/nope", {}), undefined);
    assert.deepEqual(table.methodsFor("/users/1"), ["GET", "HEAD", "PATCH", "DELETE"]);
    assert.deepEqual(table.problems, []);
  });

  test("catalog - two services on one route: the first keeps it and the other claim is a problem", () => {
    const rival: ServiceCatalog = { service: "rival", endpoints: [endpoint("RivalService.Get", [{ method: "GET", path: "/users/{uid}" }], { uid: { type: "integer" } })] };
    const contested = new RouteTable([...catalogs, rival]);
    assert.equal(contested.find("GET", "/users/1", {})?.route.service, "users");
    assert.deepEqual(contested.problems, ["rival RivalService.Get: GET /users/{uid} conflicts with users UsersService.Get, which keeps the route"]);
    const first = new RouteTable([rival, ...catalogs]);
    assert.equal(first.find("GET", "/users/1", {})?.route.service, "rival");
  });

  test("catalog - a route the gateway serves itself is not taken", () => {
    const greedy: ServiceCatalog = { service: "greedy", endpoints: [endpoint("GreedyService.Health", [{ method: "GET", path: "/health" }], {})] };
    const guarded = new RouteTable([greedy], (method, path) => method === "GET" && path === "/health");
    assert.equal(guarded.find("GET", "/health", {}), undefined);
    assert.match(guarded.problems[0] ?? "", /the gateway serves that route itself/);
  });

  test("catalog - an over-long path parameter is a 414, not a 404", () => {
    assert.equal(statusOf(() => table.find("GET", `/users/${"1".repeat(101)}`, {})), 414);
    assert.ok(table.find("GET", `/users/${"1".repeat(100)}`, {}));
  });
});

describe("catalog - the request of a route", () => {
  const table = new RouteTable(catalogs);
  const request = (method: string, path: string, query: Record<string, unknown>, body?: unknown) => {
    const match = table.find(method, path, query);
    assert.ok(match, `${method} ${path} has a route`);
    return callRequest(match, rawFields(match, { query, body }));
  };

  test("catalog - path, query and body merge into one request, numbers converted only when plainly written", () => {
    assert.deepEqual(request("GET", "/users", { id: "12" }), { id: 12 });
    assert.deepEqual(request("GET", "/orders", { user_id: "3", offset: "0" }), { user_id: 3, offset: 0, limit: 50 });
    assert.deepEqual(request("PATCH", "/products/4", {}, { price: 1.5 }), { id: 4, price: 1.5 });
    for (const bad of ["01", " 1", "1e3", "0x10", "1.5", "0", "-1", "9007199254740993", "abc", ""]) {
      assert.match(detailOf(() => request("GET", `/users/${encodeURIComponent(bad)}`, {})), /^id: /, bad);
    }
  });

  test("catalog - a body field the path gives, a body that is not an object, or an unknown name is a 400 naming it", () => {
    assert.equal(detailOf(() => request("PATCH", "/users/1", {}, { id: 2, name: "x" })), "id: comes from the path, not the body");
    assert.equal(detailOf(() => request("POST", "/users", {}, [1])), "body: must be an object");
    assert.equal(detailOf(() => request("POST", "/users", {})), "body: is required");
    assert.equal(detailOf(() => request("PATCH", "/users/1", {})), "body: must have at least one field");
    assert.equal(detailOf(() => request("GET", "/users", { ["__proto__"]: "1" })), "__proto__: is not a known field");
    assert.equal(detailOf(() => request("GET", "/orders", { sort: "asc" })), "sort: is not a known field");
    assert.equal(detailOf(() => request("PATCH", "/users/1", {}, {})), "body: must have at least one field");
    // A POST's query string is not part of its request.
    assert.deepEqual(request("POST", "/orders/9/cancel", { x: "1" }), { id: 9 });
  });
});

describe("catalog - the live catalog", () => {
  test("catalog - follows the registry: a service that registers is routed, one that leaves keeps its routes", async () => {
    const registry = new MemoryRegistry();
    const catalog = new LiveCatalog({ registry, logger });
    const changes: number[] = [];
    catalog.onChange((table) => changes.push(table.routes.length));
    await catalog.start();
    assert.equal(catalog.table.routes.length, 0);
    const node = { id: "users-1", address: "127.0.0.1:1", metadata: {} };
    const service = { name: "users", version: "1", endpoints: endpointsOf(users), nodes: [node] };
    await registry.register(service, { ttlMs: 60_000 });
    assert.equal(catalog.table.find("GET", "/users/1", {})?.route.service, "users");
    await registry.deregister(service);
    // Its routes now answer 503 (no node) rather than 404, as a service that is down should.
    assert.equal(catalog.table.find("GET", "/users/1", {})?.route.service, "users");
    assert.deepEqual(catalog.services, ["users"]);
    assert.equal(changes.length, 1);
    catalog.close();
    await registry.close();
  });

  test("catalog - versions merge: a version that registers fewer endpoints takes no route from another, and the highest version wins", async () => {
    const registry = new MemoryRegistry();
    const catalog = new LiveCatalog({ registry, logger });
    await catalog.start();
    const node = (id: string) => ({ id, address: "127.0.0.1:1", metadata: {} });
    await registry.register({ name: "users", version: "1.0.0", endpoints: endpointsOf(users), nodes: [node("u-1")] }, { ttlMs: 60_000 });
    const bare = endpointsOf(users).map((e) => ({ ...e, metadata: {} }));
    await registry.register({ name: "users", version: "0.9.0", endpoints: bare.slice(0, 1), nodes: [node("u-old")] }, { ttlMs: 60_000 });
    assert.equal(catalog.table.find("GET", "/users/1", {})?.route.service, "users", "0.9.0 takes nothing away");
    const moved = endpointsOf(users).map((e) => (e.name === "UsersService.Get" ? { ...e, metadata: { ...e.metadata, http: [{ method: "GET" as const, path: "/people/{id}" }] } } : e));
    await registry.register({ name: "users", version: "1.10.0", endpoints: moved, nodes: [node("u-new")] }, { ttlMs: 60_000 });
    assert.equal(catalog.table.find("GET", "/people/1", {})?.route.endpoint.name, "UsersService.Get", "1.10.0 is newer than 1.0.0");
    assert.equal(catalog.table.find("GET", "/users/1", {}), undefined);
    catalog.close();
    await registry.close();
  });

  test("catalog - at start, services are read in name order, so the choice between rivals does not depend on timing", async () => {
    const registry = new MemoryRegistry();
    const rival = { name: "aardvark", version: "1", endpoints: [endpoint("AardvarkService.Get", [{ method: "GET", path: "/users/{id}" }])], nodes: [{ id: "a-1", address: "127.0.0.1:1", metadata: {} }] };
    await registry.register({ name: "users", version: "1", endpoints: endpointsOf(users), nodes: [{ id: "u-1", address: "127.0.0.1:1", metadata: {} }] }, { ttlMs: 60_000 });
    await registry.register(rival, { ttlMs: 60_000 });
    const catalog = new LiveCatalog({ registry, logger });
    await catalog.start();
    assert.equal(catalog.table.find("GET", "/users/1", {})?.route.service, "aardvark");
    assert.match(catalog.table.problems[0] ?? "", /^users UsersService.Get: GET \/users\/\{id\} conflicts with aardvark/);
    catalog.close();
    await registry.close();
  });
});
