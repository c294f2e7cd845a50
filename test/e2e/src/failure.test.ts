/**
 * Failure and lifecycle scenarios with real processes: a stopped backend is a 503 at once and
 * is back without a gateway restart, a silent backend is a 504, 100 concurrent orders all land,
 * a second opener of a data folder is refused, data survives restarts, SIGTERM exits 0.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer, type Socket } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { LocalRegistry } from "@gw/micro";
import { endpointNamed } from "@gw/micro/testing";
import { isWireError, send } from "./http.js";
import { ROOT, System, entryOf } from "./harness.js";

type Json = Record<string, unknown>;

describe("failures - embedded default", () => {
  let system: System;
  const get = (path: string) => send(system.url, "GET", path);

  before(async () => {
    system = await System.start({ env: { MICRO_CLIENT_TIMEOUT_MS: "1500" } });
  });
  after(async () => {
    await system?.close();
  });

  test("failures - stopping users gives 503 within 2 s, and it is back without a gateway restart", async () => {
    assert.equal((await get("/users?id=1")).status, 200);
    const stoppedAt = Date.now();
    assert.equal(await system.stop("users"), 0, "users exits 0 on SIGTERM");
    let reply = await get("/users?id=1");
    while (reply.status !== 503 && Date.now() - stoppedAt < 2000) reply = await get("/users?id=1");
    assert.ok(isWireError(reply, 503), `got ${reply.status} ${reply.text}`);
    assert.ok(Date.now() - stoppedAt < 2000, "503 within 2 s");
    assert.equal(typeof reply.headers["x-request-id"], "string");
    const ready = await get("/ready");
    assert.ok(isWireError(ready, 503));
    assert.match((ready.body as Json).detail as string, /users/);

    system.launch("users");
    reply = await system.until("/users?id=1", 200);
    assert.equal(reply.status, 200, reply.text + system.output("users"));
  });

  test("failures - a SIGKILLed backend is skipped: 503, never a hang", async () => {
    await system.stop("products", "SIGKILL");
    const reply = await get("/products/100");
    assert.ok(isWireError(reply, 503), `got ${reply.status} ${reply.text}`);
    system.launch("products");
    const back = await system.until("/products/100", 200);
    assert.equal(back.status, 200, back.text + system.output("products"));
  });

  test("failures - a backend that does not answer in time gives 504", async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    const registry = new LocalRegistry({ directory: join(system.dir, "registry") });
    const fake = { name: "products", version: "0.0.0", endpoints: [endpointNamed("ProductsService.Get")], nodes: [{ id: "products-silent", address: `127.0.0.1:${port}`, metadata: {} }] };
    try {
      assert.equal(await system.stop("products"), 0);
      await registry.register(fake, { ttlMs: 60_000 });
      const started = Date.now();
      let reply = await get("/products/100");
      while (reply.status === 503 && Date.now() - started < 5000) reply = await get("/products/100");
      assert.ok(isWireError(reply, 504), `got ${reply.status} ${reply.text}`);
      assert.doesNotMatch(reply.text, /127\.0\.0\.1|stack|Error:/);
    } finally {
      await registry.deregister(fake);
      await registry.close();
      for (const s of sockets) s.destroy();
      silent.close();
      if (!system.running("products")) system.launch("products");
      await system.until("/products/100", 200);
    }
  });

  test("orders - 100 concurrent POST /orders for one user give 100 distinct orders, all listed", async () => {
    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, i) => send(system.url, "POST", "/orders", { user_id: 2, product_id: 100 + (i % 3), amount: i + 1 })),
    );
    for (const r of replies) assert.equal(r.status, 201, r.text);
    const ids = new Set(replies.map((r) => ((r.body as Json).order as Json).id));
    assert.equal(ids.size, 100);
    const list = await get("/orders?user_id=2&limit=500");
    const listed = new Set(((list.body as Json).orders as Json[]).map((o) => o.id));
    for (const id of ids) assert.ok(listed.has(id), `order ${String(id)} listed`);
  });

  test("data - a restart keeps every row and adds no demo duplicates", async () => {
    const email = `keep-${Date.now()}@example.com`;
    const created = await send(system.url, "POST", "/users", { email, name: "Kept" });
    assert.equal(created.status, 201);
    const before = ((await get("/users?limit=500")).body as Json).users as Json[];
    assert.equal(await system.stop("users"), 0);
    system.launch("users");
    await system.until("/users/1", 200);
    const after = ((await get("/users?limit=500")).body as Json).users as Json[];
    assert.deepEqual(after, before);
  });

  test("data - a second process on the same data folder refuses to start with a clear error", async () => {
    const child = spawn(process.execPath, [join(ROOT, entryOf("users"))], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", DATA_DIR: join(system.dir, "data"), MICRO_REGISTRY_ADDRESS: join(system.dir, "registry"), LOG_LEVEL: "warn", AUTH: "off" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    assert.equal(code, 1);
    assert.match(stderr, /in use by process \d+/);
    assert.equal((await get("/users?id=1")).status, 200, "the running users is unharmed");
  });

  test("idempotency - a retried POST /orders returns the first response, even after a restart", async () => {
    const key = `e2e-${Date.now()}`;
    const body = { user_id: 3, product_id: 101, amount: 7.5 };
    const post = (b: unknown, k = key) => send(system.url, "POST", "/orders", b, { headers: { "idempotency-key": k } });
    const first = await post(body);
    assert.equal(first.status, 201, first.text);
    const concurrent = await Promise.all(Array.from({ length: 10 }, () => post(body)));
    for (const r of concurrent) assert.deepEqual(r.body, first.body);
    assert.equal(await system.stop("orders"), 0);
    system.launch("orders");
    await system.until("/orders?user_id=3", 200);
    const replay = await post(body);
    assert.equal(replay.status, 201);
    assert.deepEqual(replay.body, first.body, "the first response after a restart");
    const reused = await post({ ...body, amount: 8 });
    assert.ok(isWireError(reused, 409), reused.text);
    const mine = ((await get("/orders?user_id=3&limit=500")).body as Json).orders as Json[];
    const id = ((first.body as Json).order as Json).id;
    assert.equal(mine.filter((o) => o.id === id).length, 1);
    assert.equal(mine.filter((o) => o.amount === 7.5 && o.product_id === 101).length, 1, "one order for all those requests");
    assert.ok(isWireError(await post(body, "bad key with spaces"), 400));
  });

  test("lifecycle - every program exits 0 on SIGTERM", async () => {
    for (const name of ["gateway", "orders", "products", "users"] as const) {
      assert.equal(await system.stop(name), 0, `${name} exit code`);
    }
  });
});
