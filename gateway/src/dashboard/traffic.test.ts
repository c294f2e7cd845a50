import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BINS, BUCKETS, BUCKET_MS, MAX_SERIES, OTHER, RECENT, TrafficWindow, binOf, binValue } from "./traffic.js";

/** A clock the test moves: the window is read at fixed times, never the machine's. */
function clock(start = 1_000 * BUCKET_MS) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("dashboard traffic window", () => {
  test("traffic - counts requests, 4xx and 5xx per route over the last minute and five minutes", () => {
    const c = clock();
    const window = new TrafficWindow(c.now);
    c.advance(5 * 60_000);
    for (let i = 0; i < 90; i++) window.record("GET", "/users/:id", 200, 2, `r${i}`, undefined);
    for (let i = 0; i < 6; i++) window.record("GET", "/users/:id", 404, 1, "n", undefined);
    for (let i = 0; i < 4; i++) window.record("GET", "/users/:id", 503, 1, "e", undefined);
    window.record("POST", "/orders", 201, 10, "o", "abc");
    // Two minutes on: out of the last minute, still in the last five.
    c.advance(2 * 60_000);
    window.record("GET", "/users/:id", 200, 2, "late", undefined);
    const [users, orders] = window.routes();
    assert.equal(users?.route, "/users/:id");
    assert.equal(users.method, "GET");
    assert.equal(users.lastFiveMinutes.requests, 101);
    assert.equal(users.lastMinute.requests, 1);
    assert.ok(Math.abs(users.lastFiveMinutes.errorRate - 4 / 101) < 1e-9);
    assert.ok(Math.abs(users.lastFiveMinutes.clientErrorRate - 6 / 101) < 1e-9);
    assert.equal(users.lastMinute.errorRate, 0);
    // 101 requests over the five minutes that end now (the current bucket has just begun).
    assert.ok(Math.abs(users.lastFiveMinutes.rate - 101 / 290) < 0.01, String(users.lastFiveMinutes.rate));
    assert.equal(orders?.route, "/orders");
    assert.equal(users.series.length, BUCKETS);
    assert.equal(users.series.reduce((a, b) => a + b, 0), 101);
    assert.equal(users.series.at(-1), 1);
  });

  test("traffic - p50 and p99 come within one bin (about 19 %) of the exact percentiles", () => {
    const c = clock();
    const window = new TrafficWindow(c.now);
    c.advance(60_000);
    // 1..1000 ms, once each: p50 is 500 ms, p99 990 ms.
    for (let ms = 1; ms <= 1000; ms++) window.record("GET", "/x", 200, ms, "r", undefined);
    const { p50, p99 } = window.routes()[0]!.lastMinute;
    assert.ok(p50 !== undefined && Math.abs(p50 / 500 - 1) < 0.1, `p50 ${p50}`);
    assert.ok(p99 !== undefined && Math.abs(p99 / 990 - 1) < 0.1, `p99 ${p99}`);
  });

  test("traffic - latency bins cover 0 to beyond a minute, each value inside its bin", () => {
    assert.equal(binOf(0), 0);
    assert.equal(binOf(-1), 0);
    assert.equal(binOf(Number.NaN), 0);
    assert.equal(binOf(10 * 60_000), BINS - 1);
    for (const ms of [0.06, 0.5, 1, 3.3, 42, 999, 30_000]) {
      const bin = binOf(ms);
      assert.ok(binValue(bin) / ms < 1.1 && ms / binValue(bin) < 1.1, `${ms} ms read back as ${binValue(bin)}`);
    }
  });

  test("traffic - a bucket reused after the window has turned starts from zero", () => {
    const c = clock();
    const window = new TrafficWindow(c.now);
    window.record("GET", "/x", 500, 1, "old", undefined);
    c.advance(BUCKETS * BUCKET_MS);
    window.record("GET", "/x", 200, 1, "new", undefined);
    const [x] = window.routes();
    assert.equal(x?.lastFiveMinutes.requests, 1);
    assert.equal(x.lastFiveMinutes.errorRate, 0);
  });

  test("traffic - a route silent for the whole window is dropped", () => {
    const c = clock();
    const window = new TrafficWindow(c.now);
    window.record("GET", "/gone", 200, 1, "r", undefined);
    assert.equal(window.routes().length, 1);
    c.advance(BUCKETS * BUCKET_MS);
    assert.deepEqual(window.routes(), []);
  });

  test("traffic - routes beyond the limit are counted together as other", () => {
    const window = new TrafficWindow();
    for (let i = 0; i < MAX_SERIES + 10; i++) window.record("GET", `/r${i}`, 200, 1, "r", undefined);
    const routes = window.routes();
    assert.equal(routes.length, MAX_SERIES + 1);
    const other = routes.find((r) => r.route === OTHER);
    assert.equal(other?.lastFiveMinutes.requests, 10);
  });

  test("traffic - keeps the last requests, newest first, with their ids", () => {
    const window = new TrafficWindow();
    for (let i = 0; i < RECENT + 7; i++) window.record("GET", "/x", 200, i, `req-${i}`, i % 2 === 0 ? `trace-${i}` : undefined);
    const recent = window.recent();
    assert.equal(recent.length, RECENT);
    assert.equal(recent[0]?.requestId, `req-${RECENT + 6}`);
    assert.equal(recent[0]?.traceId, `trace-${RECENT + 6}`);
    assert.equal(recent[0]?.durationMs, RECENT + 6);
    assert.equal(recent.at(-1)?.requestId, "req-7");
    assert.equal(recent[1]?.traceId, undefined);
  });
});
