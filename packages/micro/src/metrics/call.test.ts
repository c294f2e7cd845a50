/**
 * The hand-written call metrics against prom-client's own Histogram and Counter: fed the same
 * calls, a registry with the same default labels must print and export both identically, since
 * dashboards and alerts were written against what prom-client printed.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Counter, Histogram, Registry } from "prom-client";
import { CallMetrics, type CallMetricsConfig } from "./call.js";
import { CLIENT_CALLS, Metrics, SERVER_CALLS } from "./index.js";

// Spelled out rather than imported: the buckets prom-client was configured with, which the
// hand-written metrics must keep (checked below).
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Call = readonly [first: string, second: string, seconds: number, outcome: string];

/** Pairs interleaved so first-seen order matters; below, on and between bounds, and above the last. */
const CALLS: readonly Call[] = [
  ["users", "UsersService.Get", 0.0003, "200"],
  ["orders", "OrdersService.List", 12, "503"],
  ["users", "UsersService.Get", 0.0005, "200"],
  ["users", "UsersService.Get", 0.1, "404"],
  ["orders", "OrdersService.List", 10, "200"],
  ["users", "UsersService.Create", 0.0031, "500"],
  ["users", "UsersService.Get", 0.042, "200"],
  ["orders", "OrdersService.List", 0, "200"],
  ["users", "UsersService.Get", 2.5, "503"],
  ["users", "UsersService.Get", 0.1 + 0.2, "200"],
  ["odd \"label\\", "line\nbreak", 7.25, "200"],
  ["orders", "OrdersService.List", 1e-7, "404"],
];

/** A family with other labels, as a program adds of its own (the gateway's HTTP requests). */
const HTTP: CallMetricsConfig = {
  labelNames: ["method", "route"],
  outcomeLabel: "status",
  buckets: LATENCY_BUCKETS,
  count: { name: "http_requests_total", help: "HTTP requests answered, by route pattern and status" },
  duration: { name: "http_request_duration_seconds", help: "HTTP request time" },
};
const [SERVER, CLIENT] = [SERVER_CALLS, CLIENT_CALLS];
const FAMILIES = [SERVER, CLIENT, HTTP];
const NAMES = new Set(FAMILIES.flatMap((family) => [family.count.name, family.duration.name]));

function registry(program: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ program });
  return registry;
}

/** prom-client's instruments as Metrics used them: cached-label children, counter registered first. */
function promClient(registry: Registry, config: CallMetricsConfig): (call: Call) => void {
  const registers = [registry];
  const count = new Counter({ ...config.count, labelNames: [...config.labelNames, config.outcomeLabel], registers });
  const duration = new Histogram({ ...config.duration, labelNames: [...config.labelNames], buckets: [...config.buckets], registers });
  return ([first, second, seconds, outcome]) => {
    duration.labels(first, second).observe(seconds);
    count.labels(first, second, outcome).inc();
  };
}

function handWritten(registry: Registry, config: CallMetricsConfig): (call: Call) => void {
  const calls = new CallMetrics(registry, config);
  return ([first, second, seconds, outcome]) => calls.of(first, second).record(seconds, outcome);
}

/** The text blocks of the call families, in the registry's order. */
async function familiesText(registry: Registry): Promise<string> {
  const blocks = (await registry.metrics()).trimEnd().split("\n\n");
  return blocks.filter((block) => NAMES.has(/^# HELP (\S+) /.exec(block)?.[1] ?? "")).join("\n\n");
}

async function familiesJSON(registry: Registry) {
  return (await registry.getMetricsAsJSON()).filter((metric) => NAMES.has(metric.name));
}

async function assertSame(ours: Registry, theirs: Registry): Promise<void> {
  assert.equal(await familiesText(ours), await familiesText(theirs));
  assert.deepEqual(await familiesJSON(ours), await familiesJSON(theirs));
}

describe("call metrics", () => {
  it("keep the latency buckets prom-client had", () => {
    for (const family of FAMILIES) assert.deepEqual([...family.buckets], LATENCY_BUCKETS);
  });

  it("print and export exactly as prom-client's Histogram and Counter", async () => {
    const ours = registry("conformance");
    const theirs = registry("conformance");
    const feeds = FAMILIES.map((family) => [handWritten(ours, family), promClient(theirs, family)] as const);
    for (const call of CALLS) for (const feed of feeds) for (const record of feed) record(call);

    const text = await ours.metrics();
    assert.equal(text, await theirs.metrics());
    assert.deepEqual(await ours.getMetricsAsJSON(), await theirs.getMetricsAsJSON());
    // Guards against both sides printing nothing alike.
    assert.match(text, /^micro_server_request_duration_seconds_bucket\{le="\+Inf",program="conformance",service="users",endpoint="UsersService.Get"\} 6$/m);
    assert.match(text, /^http_requests_total\{method="orders",route="OrdersService.List",status="404",program="conformance"\} 1$/m);
  });

  it("are wired into Metrics under prom-client's names, beside the default metrics", async () => {
    const metrics = new Metrics("gateway");
    const theirs = registry("gateway");
    const [server, client, http] = FAMILIES.map((family) => promClient(theirs, family)) as [(call: Call) => void, (call: Call) => void, (call: Call) => void];
    const program = new CallMetrics(metrics.registry, HTTP);
    const ours = (first: string, second: string) => program.of(first, second);
    for (const call of CALLS) {
      const [first, second, seconds, outcome] = call;
      metrics.rpcServer(first, second).record(seconds, outcome);
      server(call);
      metrics.rpcClient(second, first).record(seconds * 2, outcome);
      client([second, first, seconds * 2, outcome]);
      ours(first, second).record(seconds / 3, outcome);
      http([first, second, seconds / 3, outcome]);
    }
    await assertSame(metrics.registry, theirs);
    assert.equal((await familiesJSON(metrics.registry)).length, NAMES.size);
  });

  it("empty on reset, then list series in their new first-seen order", async () => {
    const ours = registry("reset");
    const theirs = registry("reset");
    const [recordOurs, recordTheirs] = [handWritten(ours, SERVER), promClient(theirs, SERVER)];
    for (const call of CALLS) {
      recordOurs(call);
      recordTheirs(call);
    }
    ours.resetMetrics();
    theirs.resetMetrics();
    for (const metric of await ours.getMetricsAsJSON()) assert.deepEqual(metric.values, [], metric.name);
    await assertSame(ours, theirs);

    for (const call of [...CALLS].reverse()) {
      recordOurs(call);
      recordTheirs(call);
    }
    await assertSame(ours, theirs);
  });

  it("drop a duration that is not a finite number, yet count the call", async () => {
    const ours = registry("nan");
    const series = new CallMetrics(ours, SERVER).of("users", "UsersService.Get");
    series.record(Number.NaN, "200");
    series.record(0.002, "200");
    const text = await ours.metrics();
    assert.match(text, /^micro_server_request_duration_seconds_count\{program="nan",service="users",endpoint="UsersService.Get"\} 1$/m);
    assert.match(text, /^micro_server_request_duration_seconds_sum\{program="nan",service="users",endpoint="UsersService.Get"\} 0.002$/m);
    assert.match(text, /^micro_server_requests_total\{service="users",endpoint="UsersService.Get",code="200",program="nan"\} 2$/m);
  });
});
