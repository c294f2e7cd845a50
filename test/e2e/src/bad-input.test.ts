/**
 * One caller's bad input must not hurt anyone else, with the four programs as real processes and
 * AUTH on: a burst of writes whose names hold control characters (which PostgreSQL refuses, and
 * which once came back as 500s that opened the gateway's circuit breaker for every caller) is
 * answered 400 naming the field, while another caller's reads between them keep succeeding, and
 * the breakers stay closed.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { ROOT, System } from "./harness.js";
import { type Reply, isWireError, send } from "./http.js";

const AUTH_JWT_SECRET = "e2e-bad-input-jwt-secret-at-least-32-bytes";
/** Signed calls between programs (the lead's stream) need it once they land; harmless before. */
const MICRO_AUTH_SECRET = "e2e-bad-input-call-secret-at-least-32-bytes";

/** How many bad requests, spread evenly over how long. */
const BURST = 50;
const BURST_MS = 1000;

/** Control characters a name may not hold, as a client would send them. */
const CONTROLS = ["\u0000", "\u0007", "\u001b[2J", "\n", "\u007f", "\u009b"];

async function token(sub: string, role: string): Promise<string> {
  const args = [join(ROOT, "scripts", "token.mjs"), "--sub", sub, "--role", role];
  const { stdout } = await promisify(execFile)(process.execPath, args, { env: { ...process.env, AUTH_JWT_SECRET } });
  return stdout.trim();
}

/**
 * Sends `bad(i)` BURST times, evenly over BURST_MS, and `good()` halfway between each two, all
 * concurrently as separate clients would; resolves every reply of each kind.
 */
async function burst(bad: (i: number) => Promise<Reply>, good: () => Promise<Reply>): Promise<{ bad: Reply[]; good: Reply[]; ms: number }> {
  const started = performance.now();
  const step = BURST_MS / BURST;
  const at = <T>(ms: number, run: () => Promise<T>) => new Promise<T>((resolve, reject) => setTimeout(() => run().then(resolve, reject), ms));
  const [bads, goods] = await Promise.all([
    Promise.all(Array.from({ length: BURST }, (_, i) => at(i * step, () => bad(i)))),
    Promise.all(Array.from({ length: BURST }, (_, i) => at(i * step + step / 2, good))),
  ]);
  return { bad: bads, good: goods, ms: performance.now() - started };
}

function assertNamedBadRequests(replies: readonly Reply[]): void {
  for (const reply of replies) {
    assert.ok(isWireError(reply, 400), `${reply.status} ${reply.text}`);
    assert.equal((reply.body as { reason: string }).reason, "invalid_request");
    assert.equal((reply.body as { detail: string }).detail, "name: must not contain control characters");
    assert.equal(typeof reply.headers["x-request-id"], "string");
  }
}

describe("bad input - embedded, AUTH=on", () => {
  let system: System;
  let user2: string;
  let admin: string;
  const as = (who: string) => ({ headers: { authorization: `Bearer ${who}` } });

  before(async () => {
    [user2, admin] = await Promise.all([token("2", "customer"), token("99", "admin")]);
    system = await System.start({ env: { AUTH: "on", AUTH_JWT_SECRET, MICRO_AUTH_SECRET } });
  });
  after(async () => {
    await system?.close();
  });

  /** The gateway's breaker gauge for `service`: 0 closed, 1 half-open, 2 open. */
  async function breaker(service: string): Promise<number> {
    const text = (await send(system.url, "GET", "/metrics", undefined, as(admin))).text;
    const value = new RegExp(`^micro_client_breaker_state\\{service="${service}"[^}]*\\} (\\d)$`, "m").exec(text)?.[1];
    assert.ok(value !== undefined, `no breaker gauge for ${service}`);
    return Number(value);
  }

  test(`bad input - ${BURST} PATCH /users/2 with a NUL name in one second are 400s naming name; an admin's GET /users/1 between them is 200 every time`, async () => {
    const result = await burst(
      () => send(system.url, "PATCH", "/users/2", { name: "x\u0000" }, as(user2)),
      () => send(system.url, "GET", "/users/1", undefined, as(admin)),
    );
    assertNamedBadRequests(result.bad);
    assert.deepEqual(result.good.map((r) => r.status), Array(BURST).fill(200), "every read succeeded");
    assert.ok(result.ms < 3 * BURST_MS, `the burst took ${Math.round(result.ms)} ms`);
    assert.equal(await breaker("users"), 0, "the users breaker stayed closed");
    const unchanged = await send(system.url, "GET", "/users/2", undefined, as(user2));
    assert.equal((unchanged.body as { user: { name: string } }).user.name, "Bob", "nothing was written");
  });

  test(`bad input - ${BURST} POST /products with control characters in the name in one second are 400s naming name; a user's GET /products/100 between them is 200 every time`, async () => {
    const before = ((await send(system.url, "GET", "/products?limit=500", undefined, as(admin))).body as { products: unknown[] }).products.length;
    const result = await burst(
      (i) => send(system.url, "POST", "/products", { name: `widget${CONTROLS[i % CONTROLS.length]}`, price: 1 }, as(admin)),
      () => send(system.url, "GET", "/products/100", undefined, as(user2)),
    );
    assertNamedBadRequests(result.bad);
    assert.deepEqual(result.good.map((r) => r.status), Array(BURST).fill(200), "every read succeeded");
    assert.equal(await breaker("products"), 0, "the products breaker stayed closed");
    const after = ((await send(system.url, "GET", "/products?limit=500", undefined, as(admin))).body as { products: unknown[] }).products.length;
    assert.equal(after, before, "nothing was created");
  });
});
