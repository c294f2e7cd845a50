/**
 * The catalog end to end: a service the gateway has never heard of (fixtures/greeter.ts) starts
 * beside a running system, and the gateway serves its bound routes, validates against its schema,
 * enforces its rules and documents it, with no gateway restart and no gateway code. A rival that
 * claims the same routes is refused, logged once and shown on /ready; a service that leaves
 * keeps its routes, which answer 503.
 */
import assert from "node:assert/strict";
import { Validator } from "@seriousme/openapi-schema-validator";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { LocalRegistry, nodesOf } from "@gw/micro";
import { ROOT, System } from "./harness.js";
import { type Reply, send } from "./http.js";
import { type Run, runNode } from "./launch.js";
import { mintToken } from "./tokens.js";

const JWT_SECRET = "catalog-suite-jwt-secret-at-least-32-bytes";
const CALL_SECRET = "catalog-suite-call-secret-at-least-32-bytes";
/** The bound: a service's routes answer within 2 s of its registration. */
const ROUTED_WITHIN_MS = 2_000;
const GREETER = join(ROOT, "test", "e2e", "dist", "fixtures", "greeter.js");

type Json = Record<string, unknown>;

describe("catalog - a service the gateway never heard of", () => {
  let system: System;
  let registry: LocalRegistry;
  let user: string, admin: string;
  const runs: Run[] = [];

  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
  const start = (env: Record<string, string> = {}): Run => {
    const run = runNode([GREETER], {
      MICRO_REGISTRY: "local",
      MICRO_REGISTRY_ADDRESS: join(system.dir, "registry"),
      AUTH: "on",
      MICRO_AUTH_SECRET: CALL_SECRET,
      LOG_LEVEL: "warn",
      ...env,
    });
    runs.push(run);
    return run;
  };
  /** Polls until `name` has a node in the registry (or has none, with `present` false). */
  const registered = async (name: string, present = true): Promise<void> => {
    const deadline = Date.now() + 30_000;
    while ((nodesOf(await registry.getService(name)).length > 0) !== present) {
      if (Date.now() > deadline) throw new Error(`${name} ${present ? "never registered" : "never left"}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const greet = (body: unknown, token = user): Promise<Reply> => send(system.url, "POST", "/greetings", body, bearer(token));

  before(async () => {
    system = await System.start({ env: { AUTH: "on", AUTH_JWT_SECRET: JWT_SECRET, MICRO_AUTH_SECRET: CALL_SECRET } });
    registry = new LocalRegistry({ directory: join(system.dir, "registry") });
    user = await mintToken(JWT_SECRET, "7", "customer");
    admin = await mintToken(JWT_SECRET, "ops", "admin");
  });
  after(async () => {
    for (const run of runs) await run.stop();
    await registry?.close();
    await system?.close();
  });

  test("catalog - its routes answer within 2 s of its registration, validate, enforce its rules and reach the documents", async (t) => {
    assert.equal((await greet({ name: "Ann" })).status, 404, "unknown before it starts");
    const greeter = start();
    await registered("greeter");
    const since = Date.now();
    let reply = await greet({ name: "Ann" });
    while (reply.status === 404 && Date.now() - since < 10_000) {
      await new Promise((r) => setTimeout(r, 20));
      reply = await greet({ name: "Ann" });
    }
    const routedMs = Date.now() - since;
    assert.ok(routedMs <= ROUTED_WITHIN_MS, `routed ${routedMs} ms after registering`);
    t.diagnostic(`routed ${routedMs} ms after its node appeared in the registry`);
    assert.equal(reply.status, 201, reply.text);
    assert.deepEqual(reply.body, { message: "Hello Ann", by: "greeter" });

    // Its schema, applied at the gateway: the field is named.
    const expect400 = async (body: unknown, field: string) => {
      const bad = await greet(body);
      assert.equal(bad.status, 400, bad.text);
      assert.match(String((bad.body as Json).detail), new RegExp(`^${field}: `));
    };
    await expect400({ name: "" }, "name");
    await expect400({ name: "x", times: 9 }, "times");
    await expect400({ name: "x", extra: true }, "extra");
    assert.equal((await send(system.url, "GET", "/greetings/abc", undefined, bearer(admin))).status, 400);

    // Its rules: a token to greet, the admin role to read.
    assert.equal((await send(system.url, "POST", "/greetings", { name: "x" })).status, 401);
    assert.equal((await send(system.url, "GET", "/greetings/3", undefined, bearer(user))).status, 403);
    const read = await send(system.url, "GET", "/greetings/3", undefined, bearer(admin));
    assert.deepEqual([read.status, read.body], [200, { id: 3, by: "greeter" }]);
    // A wrong method on its path is a 405 naming what is allowed.
    const wrong = await send(system.url, "DELETE", "/greetings/3", undefined, bearer(admin));
    assert.deepEqual([wrong.status, wrong.headers.allow], [405, "GET, HEAD"]);

    // Without a binding, an endpoint is reachable through /rpc only.
    const ping = await send(system.url, "POST", "/rpc", { service: "greeter", endpoint: "GreeterService.Ping", request: {} }, bearer(admin));
    assert.deepEqual([ping.status, ping.body], [200, { pong: true }]);

    const openapi = await send(system.url, "GET", "/openapi.json");
    const paths = (openapi.body as { paths: Json }).paths;
    assert.ok(paths["/greetings"] && paths["/greetings/{id}"], Object.keys(paths).join(" "));
    assert.ok(paths["/users/{id}"], "the other services stay documented");
    const validation = await new Validator().validate(openapi.body as Record<string, unknown>);
    assert.equal(validation.valid, true, JSON.stringify(validation.errors));
    const docs = await send(system.url, "GET", "/docs");
    assert.equal(docs.status, 200);
    assert.match(String(docs.headers["content-type"]), /^text\/html/);
    void greeter;
  });

  test("catalog - a rival claiming the same routes is refused, logged as one line and shown on /ready", async () => {
    start({ GREETER_NAME: "rival" });
    await registered("rival");
    const conflict = "rival RivalService.Hello: POST /greetings conflicts with greeter GreeterService.Hello, which keeps the route";
    const deadline = Date.now() + 10_000;
    let ready = await send(system.url, "GET", "/ready");
    while (!((ready.body as Json).problems as string[] | undefined)?.includes(conflict) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      ready = await send(system.url, "GET", "/ready");
    }
    assert.equal(ready.status, 200, "a refused claim does not make the gateway unready");
    assert.ok(((ready.body as Json).problems as string[]).includes(conflict), ready.text);
    assert.equal(system.output("gateway").split("\n").filter((line) => line.includes(conflict)).length, 1, "logged once");
    assert.equal(((await greet({ name: "Bo" })).body as Json).by, "greeter", "the first keeps the route");
  });

  test("catalog - when its service leaves, a route answers 503, not 404", async () => {
    const [greeter] = runs;
    await greeter?.stop();
    await registered("greeter", false);
    const deadline = Date.now() + 10_000;
    let reply = await greet({ name: "Cy" });
    while (reply.status !== 503 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      reply = await greet({ name: "Cy" });
    }
    assert.equal(reply.status, 503, reply.text);
    const openapi = await send(system.url, "GET", "/openapi.json");
    assert.ok((openapi.body as { paths: Json }).paths["/greetings"], "still documented: it is down, not gone");
  });
});
