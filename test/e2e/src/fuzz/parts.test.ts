/**
 * The fuzz suite's own parts, without a system: replay by seed and path gives back the request
 * a run sent, the leak detector finds leaks and forgives echoes, no generated value a service
 * could store looks like a leak, and the socket client frames and reads HTTP correctly.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { shapeProblem } from "./checks.js";
import { findLeaks } from "./leaks.js";
import { type FuzzRequest, describeRequest } from "./request.js";
import { anyRequest, writeRequest } from "./requests.js";
import { difference } from "./state.js";
import { ID_TEXTS, NUMBER_TOKENS, ODD_CHARS } from "./values.js";
import { parseAnswer, requestBytes } from "./wire.js";

const PROFILE = { enabled: true, secret: "a-secret-for-the-suite-s-own-tests-only" };

/** Tokens carry the time they were made; everything else must be identical. */
const comparable = (r: FuzzRequest) => describeRequest({ ...r, headers: r.headers.filter(([n]) => n !== "authorization") });

describe("fuzz parts - generation", () => {
  test("fuzz generators - a case replayed from its seed and path is the request the run generated", async () => {
    const seen: FuzzRequest[] = [];
    await fc.check(fc.asyncProperty(anyRequest(PROFILE), async (r) => {
      seen.push(r);
      return true;
    }), { seed: 1234, numRuns: 300 });
    for (const index of [0, 1, 17, 150, 299]) {
      let replayed: FuzzRequest | undefined;
      await fc.check(fc.asyncProperty(anyRequest(PROFILE), async (r) => {
        replayed ??= r;
        return true;
      }), { seed: 1234, path: String(index), numRuns: 1 });
      assert.equal(comparable(replayed!), comparable(seen[index]!), `case ${index}`);
    }
  });

  test("fuzz generators - a shrunk counterexample replayed from its path is that counterexample", async () => {
    const long = (r: FuzzRequest) => r.target.length <= 40;
    const details = await fc.check(fc.asyncProperty(anyRequest(PROFILE), async (r) => long(r)), { seed: 77, numRuns: 500 });
    assert.ok(details.failed && details.counterexamplePath !== null && details.counterexamplePath.includes(":"), "a long target was found and shrunk");
    let replayed: FuzzRequest | undefined;
    const replay = fc.asyncProperty(anyRequest(PROFILE), async (r) => {
      replayed ??= r;
      return false;
    });
    await fc.check(replay, { seed: 77, path: details.counterexamplePath, numRuns: 1, endOnFailure: true });
    assert.equal(comparable(replayed!), comparable((details.counterexample as [FuzzRequest])[0]));
  });

  test("fuzz generators - every route, odd paths and broken framing all come up", () => {
    const labels = new Set(fc.sample(anyRequest(PROFILE), { seed: 99, numRuns: 3_000 }).map((r) => r.label.replace(/^\S+ (?=\/)/, "")));
    for (const label of ["/users", "/users/{id}", "/products", "/products/{id}", "/orders", "/orders/{id}", "/orders/{id}/cancel", "/rpc", "/health", "/ready", "odd path"]) {
      assert.ok(labels.has(label), `no request for ${label}`);
    }
    assert.ok([...labels].some((l) => l.startsWith("framing: ")), "no broken framing");
  });

  test("fuzz values - no constant or generated body a service could store looks like a leak", () => {
    for (const text of [...ID_TEXTS, ...ODD_CHARS, ...NUMBER_TOKENS]) assert.deepEqual(findLeaks(undefined, [["body", text]], true), [], text);
    for (const request of fc.sample(writeRequest(PROFILE), { seed: 7, numRuns: 3_000 })) {
      if (typeof request.body !== "string") continue;
      assert.deepEqual(findLeaks(undefined, [["body", request.body]], false), [], request.body.slice(0, 200));
    }
  });
});

describe("fuzz parts - checks", () => {
  const request: FuzzRequest = { label: "GET /users/{id}", method: "GET", target: "/users/1", headers: [] };

  test("fuzz leaks - stack frames, SQL, paths and addresses are found", () => {
    const cases = [
      "Error: x\n    at handler (/work/gateway/dist/app.js:10:5)",
      "at Object.parse (file.ts:12)",
      "RangeError: Maximum call stack size exceeded",
      'SELECT id FROM users WHERE id = $1',
      'duplicate key value violates unique constraint "users_email_key"',
      '{"code":"23505"}',
      "invalid byte sequence for encoding \"UTF8\": 0x00",
      "ENOENT /tmp/gw-e2e-x/registry",
      "connect ECONNREFUSED 127.0.0.1:4222",
      "nats://127.0.0.1:4222",
      "postgres://postgres@127.0.0.1/db",
      "localhost:5432",
      "node_modules/fastify/lib/route.js",
    ];
    for (const text of cases) assert.notDeepEqual(findLeaks(request, [["body", text]], true), [], text);
  });

  test("fuzz leaks - the client's own input echoed back is not a leak", () => {
    const echo: FuzzRequest = { ...request, target: "/tmp/localhost:80" };
    assert.deepEqual(findLeaks(echo, [["body", '{"detail":"no route for GET /tmp/localhost:80"}']], true), []);
  });

  test("fuzz state - a row created, changed or deleted between two snapshots is named", () => {
    const before = new Map([["users/1", '{"id":1}'], ["products/100", '{"id":100,"stock":1}']]);
    assert.equal(difference(before, new Map(before)), undefined);
    const after = new Map([["users/1", '{"id":1}'], ["products/100", '{"id":100,"stock":2}'], ["orders/7", '{"id":7}']]);
    assert.equal(difference(before, after), "products/100 changed, orders/7 created");
    assert.equal(difference(before, new Map([["users/1", '{"id":1}']])), "products/100 deleted");
  });

  test("fuzz checks - the error shape is exactly {id, code, detail, status} with code equal to the status", () => {
    const answer = (status: number, text: string) => ({ status, headers: {}, text });
    assert.equal(shapeProblem(answer(400, '{"id":"gateway","code":400,"detail":"id: x","status":"Bad Request"}')), undefined);
    assert.equal(shapeProblem(answer(400, '{"id":"gateway","code":400,"detail":"id: x","status":"Bad Request","reason":"invalid_request"}')), undefined);
    assert.match(shapeProblem(answer(400, '{"id":"gateway","code":400,"detail":"x","status":"Bad Request","reason":42}')) ?? "", /reason/);
    assert.match(shapeProblem(answer(400, '{"id":"gateway","code":400,"detail":"x","status":"Bad Request","reason":"Bad Input"}')) ?? "", /reason/);
    assert.match(shapeProblem(answer(400, '{"id":"gateway","code":400,"detail":"x","status":"Bad Request","why":"x"}')) ?? "", /keys/);
    assert.match(shapeProblem(answer(431, '{"error":"x","message":"y","statusCode":431}')) ?? "", /keys/);
    assert.match(shapeProblem(answer(431, '{"id":"gateway","code":400,"detail":"x","status":"Bad Request"}')) ?? "", /differs/);
    assert.equal(shapeProblem(answer(400, "")), "empty body");
    assert.equal(shapeProblem(answer(400, "<html>")), "body is not JSON");
  });
});

describe("fuzz parts - socket client", () => {
  test("fuzz wire - a request gets Host, Connection: close and its length unless it sets them", () => {
    const text = requestBytes({ label: "x", method: "POST", target: "/users", headers: [["x-a", "ключ"]], body: "{}" }, "127.0.0.1:8080").toString("utf8");
    assert.equal(text, "POST /users HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: close\r\nx-a: ключ\r\nContent-Length: 2\r\n\r\n{}");
    const chunked = requestBytes({ label: "x", method: "POST", target: "/", headers: [["transfer-encoding", "chunked"]], body: "abc" }, "h").toString();
    assert.ok(chunked.endsWith("\r\n\r\n3\r\nabc\r\n0\r\n\r\n"), chunked);
  });

  test("fuzz wire - an answer is read by its own framing, 1xx skipped, and complete only when its body is", () => {
    const plain = Buffer.from("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\nX-Request-Id: a\r\n\r\n{}");
    assert.deepEqual(parseAnswer(plain, "POST", false), { status: 400, headers: { "content-length": "2", "x-request-id": "a" }, text: "{}" });
    assert.equal(parseAnswer(plain.subarray(0, plain.length - 1), "POST", false), undefined);
    const chunked = Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
    assert.equal(parseAnswer(chunked, "GET", false)?.text, "{}");
    assert.equal(parseAnswer(Buffer.from("HTTP/1.1 200 OK\r\n\r\nuntil close"), "GET", false), undefined);
    assert.equal(parseAnswer(Buffer.from("HTTP/1.1 200 OK\r\n\r\nuntil close"), "GET", true)?.text, "until close");
  });
});
