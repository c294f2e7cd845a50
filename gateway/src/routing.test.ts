/**
 * Routing through the real app: every method on a known path either reaches its route or is a
 * 405 listing the methods that do, including methods Fastify does not route by default (TRACE,
 * PROPFIND, MKCOL…); unknown paths are 404 for every method. The 405 asks the router itself, so a
 * route added later is covered without a list to keep in step.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import { createLogger } from "@gw/micro";
import { buildGateway } from "./app.js";
import type { App } from "./context.js";
import { type Backends, startBackends } from "./auth/testing.js";

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND"] as const;
const WEBDAV = ["MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "PROPPATCH", "SEARCH"] as const;

let backends: Backends;
let app: App;
before(async () => {
  backends = await startBackends();
  app = buildGateway({ client: backends.client, registry: backends.registry, logger: createLogger("gateway", "silent") });
  // A route built after the gateway's own, as a dynamically configured one would be, on a
  // method Fastify only routes once told about it.
  app.addHttpMethod("PROPFIND", { hasBody: true });
  app.route({ method: ["PUT", "PROPFIND"], url: "/later/:id", handler: async () => ({ ok: true }) });
});
after(async () => {
  await app.close();
  await backends.close();
});

function call(method: string, url: string): Promise<LightMyRequestResponse> {
  const body = method === "PATCH" ? { payload: { name: "Renamed" } } : {};
  return app.inject({ method: method as "GET", url, ...body });
}

function assertNotAllowed(reply: LightMyRequestResponse, method: string, allow: string): void {
  assert.equal(reply.statusCode, 405, `${method}: ${reply.body}`);
  assert.equal(reply.headers.allow, allow, method);
  assert.ok(reply.headers["x-request-id"]);
  // A HEAD answer's body never reaches the wire (Node drops it); inject() may still show it.
  if (method === "HEAD") return;
  assert.equal(reply.headers["content-type"], "application/json; charset=utf-8");
  const body = reply.json<Record<string, unknown>>();
  assert.deepEqual([body.id, body.code, body.status, body.reason], ["gateway", 405, "Method Not Allowed", "method_not_allowed"]);
  assert.match(String(body.detail), new RegExp(`^${method} is not allowed on \\S+; allowed: ${allow}$`));
}

describe("gateway - routing", () => {
  test("gateway - /users/1: GET, HEAD, PATCH and DELETE are routed; every other method is 405 with Allow", async () => {
    const allow = "GET, HEAD, PATCH, DELETE";
    for (const method of [...METHODS, ...WEBDAV]) {
      const reply = await call(method, "/users/1");
      if (allow.split(", ").includes(method)) assert.ok(reply.statusCode < 300, `${method}: ${reply.statusCode} ${reply.body}`);
      else assertNotAllowed(reply, method, allow);
    }
  });

  test("gateway - /orders/1/cancel: POST is routed; every other method is 405 with Allow: POST", async () => {
    for (const method of [...METHODS, ...WEBDAV]) {
      const reply = await call(method, "/orders/1/cancel");
      if (method === "POST") assert.notEqual(reply.statusCode, 405);
      else assertNotAllowed(reply, method, "POST");
    }
  });

  test("gateway - the collections list what they route", async () => {
    assertNotAllowed(await call("PUT", "/users"), "PUT", "GET, HEAD, POST");
    assertNotAllowed(await call("TRACE", "/orders"), "TRACE", "GET, HEAD, POST");
    assertNotAllowed(await call("DELETE", "/rpc"), "DELETE", "POST");
    assertNotAllowed(await call("PROPFIND", "/health"), "PROPFIND", "GET, HEAD");
  });

  test("gateway - a route added after the gateway's own is covered too", async () => {
    assertNotAllowed(await call("GET", "/later/7"), "GET", "PUT, PROPFIND");
    assertNotAllowed(await call("MKCOL", "/later/7"), "MKCOL", "PUT, PROPFIND");
    assert.equal((await call("PROPFIND", "/later/7")).statusCode, 200);
  });

  test("gateway - unknown paths are 404 for every method, with no Allow", async () => {
    for (const path of ["/nope", "/users/1/extra", "/users/1/", "/orders/1/cancel/now", "/"]) {
      for (const method of [...METHODS, ...WEBDAV]) {
        const reply = await call(method, path);
        assert.equal(reply.statusCode, 404, `${method} ${path}: ${reply.body}`);
        assert.equal(reply.headers.allow, undefined);
        if (method === "HEAD") continue;
        const { code, reason } = reply.json<{ code: number; reason: string }>();
        assert.deepEqual({ code, reason }, { code: 404, reason: "route_not_found" });
      }
    }
  });
});
