/**
 * One caller's bad input must not reach a backend: text with control characters and bodies
 * nested too deeply are 400s at the gateway, naming the field, through the real app (`inject()`
 * into `buildGateway`) with real Servers behind a real Client (auth/testing.ts), which record
 * every call they receive.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import { createLogger } from "@gw/micro";
import { buildGateway } from "./app.js";
import type { App } from "./context.js";
import { type Backends, startBackends } from "./auth/testing.js";

let backends: Backends;
let app: App;
before(async () => {
  backends = await startBackends();
  app = buildGateway({ client: backends.client, registry: backends.registry, logger: createLogger("gateway", "silent") });
});
after(async () => {
  await app.close();
  await backends.close();
});

/** Sends `body` as JSON text exactly as given. */
function send(method: "POST" | "PATCH", url: string, body: string): Promise<LightMyRequestResponse> {
  return app.inject({ method, url, headers: { "content-type": "application/json" }, payload: body });
}

function assertBadRequest(reply: LightMyRequestResponse, reason: string, detail: string): void {
  assert.equal(reply.statusCode, 400, reply.body);
  assert.deepEqual(reply.json(), { id: "gateway", code: 400, detail, status: "Bad Request", reason });
  assert.ok(reply.headers["x-request-id"]);
}

describe("gateway - text fields", () => {
  test("gateway - a NUL or other control character in a name is a 400 naming it, and no backend is called", async () => {
    const before = backends.calls.length;
    for (const name of ["x\\u0000", "x\\n", "\\u001b[31mred", "x\\u007f", "x\\u0085"]) {
      assertBadRequest(await send("PATCH", "/users/2", `{"name":"${name}"}`), "invalid_request", "name: must not contain control characters");
      assertBadRequest(await send("POST", "/users", `{"email":"a@example.com","name":"${name}"}`), "invalid_request", "name: must not contain control characters");
      assertBadRequest(await send("POST", "/products", `{"name":"${name}","price":1}`), "invalid_request", "name: must not contain control characters");
      assertBadRequest(await send("PATCH", "/products/100", `{"name":"${name}"}`), "invalid_request", "name: must not contain control characters");
    }
    assert.equal(backends.calls.length, before);
  });

  test("gateway - names in any script, with spaces and symbols, still pass", async () => {
    const reply = await send("PATCH", "/users/2", JSON.stringify({ name: "Zoë 李 🦊 & Co." }));
    assert.equal(reply.statusCode, 200, reply.body);
    assert.equal(reply.json<{ user: { name: string } }>().user.name, "Zoë 李 🦊 & Co.");
  });
});

/** `depth` objects inside one another, as JSON text: `{"a":{"a":…{}}}`. */
function nested(depth: number): string {
  return '{"a":'.repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
}

describe("gateway - nesting limit", () => {
  test("gateway - an /rpc request nested 5,000 levels deep is a 400, and no backend is called", async () => {
    const before = backends.calls.length;
    const body = `{"service":"users","endpoint":"UsersService.Get","request":${nested(5000)}}`;
    assert.ok(body.length > 30_000);
    assertBadRequest(await send("POST", "/rpc", body), "nesting_too_deep", "body: nests deeper than 64 levels");
    assert.equal(backends.calls.length, before);
  });

  test("gateway - every JSON body route applies the limit, counting arrays and objects alike", async () => {
    assertBadRequest(await send("PATCH", "/users/2", `{"name":${"[".repeat(64)}${"]".repeat(64)}}`), "nesting_too_deep", "body: nests deeper than 64 levels");
    assertBadRequest(await send("POST", "/orders", `{"user_id":1,"product_id":100,"amount":${nested(64)}}`), "nesting_too_deep", "body: nests deeper than 64 levels");
    const charset = await app.inject({ method: "POST", url: "/products", headers: { "content-type": "application/json; charset=utf-8" }, payload: nested(100) });
    assertBadRequest(charset, "nesting_too_deep", "body: nests deeper than 64 levels");
  });

  test("gateway - a body nested exactly 64 levels is parsed and judged by the contract", async () => {
    // The body is level 1 and `request` level 2: 62 more inside it make 64.
    const body = `{"service":"users","endpoint":"UsersService.Get","request":{"id":2,"x":${nested(62)}}}`;
    const reply = await send("POST", "/rpc", body);
    assert.equal(reply.statusCode, 400, reply.body);
    assert.deepEqual(reply.json(), { id: "users", code: 400, detail: "x: is not a known field", status: "Bad Request", reason: "invalid_request" });
  });

  test("gateway - brackets inside strings do not count, and malformed JSON is still 'not valid JSON'", async () => {
    const reply = await send("PATCH", "/users/2", JSON.stringify({ name: "[".repeat(200) }));
    assert.equal(reply.statusCode, 200, reply.body);
    assertBadRequest(await send("PATCH", "/users/2", '{"name":'), "invalid_json", "body: is not valid JSON");
    assertBadRequest(await send("PATCH", "/users/2", '{"__proto__":{"x":1}}'), "invalid_json", "body: is not valid JSON");
  });
});
