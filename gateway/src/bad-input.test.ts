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

function assertBadRequest(reply: LightMyRequestResponse, detail: string): void {
  assert.equal(reply.statusCode, 400, reply.body);
  assert.deepEqual(reply.json(), { id: "gateway", code: 400, detail, status: "Bad Request" });
  assert.ok(reply.headers["x-request-id"]);
}

describe("gateway - text fields", () => {
  test("gateway - a NUL or other control character in a name is a 400 naming it, and no backend is called", async () => {
    const before = backends.calls.length;
    for (const name of ["x\\u0000", "x\\n", "\\u001b[31mred", "x\\u007f", "x\\u0085"]) {
      assertBadRequest(await send("PATCH", "/users/2", `{"name":"${name}"}`), "name: must not contain control characters");
      assertBadRequest(await send("POST", "/users", `{"email":"a@example.com","name":"${name}"}`), "name: must not contain control characters");
      assertBadRequest(await send("POST", "/products", `{"name":"${name}","price":1}`), "name: must not contain control characters");
      assertBadRequest(await send("PATCH", "/products/100", `{"name":"${name}"}`), "name: must not contain control characters");
    }
    assert.equal(backends.calls.length, before);
  });

  test("gateway - names in any script, with spaces and symbols, still pass", async () => {
    const reply = await send("PATCH", "/users/2", JSON.stringify({ name: "Zoë 李 🦊 & Co." }));
    assert.equal(reply.statusCode, 200, reply.body);
    assert.equal(reply.json<{ user: { name: string } }>().user.name, "Zoë 李 🦊 & Co.");
  });
});
