/**
 * One `POST /orders` with a client `traceparent`, through the four real processes exporting
 * over OTLP: every span lands in the client's trace, properly parented, from the gateway's
 * request span down to each service's SQL.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { waitFor } from "@gw/micro/testing";
import { System } from "./harness.js";
import { send } from "./http.js";
import { OtlpReceiver, type ReceivedSpan } from "./otlp.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_SPAN = "00f067aa0ba902b7";

let receiver: OtlpReceiver;
let system: System;

before(async () => {
  receiver = await OtlpReceiver.start();
  system = await System.start({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: "100" } });
});
after(async () => {
  await system?.close();
  await receiver?.close();
});

function one(spans: ReceivedSpan[], service: string, name: RegExp | string, parent?: ReceivedSpan): ReceivedSpan {
  const found = spans.filter(
    (s) => s.service === service && (typeof name === "string" ? s.name === name : name.test(s.name)) && (!parent || s.parentSpanId === parent.spanId),
  );
  assert.equal(found.length, 1, `one ${service} span ${String(name)}${parent ? ` under ${parent.name}` : ""}; got ${JSON.stringify(spans.map((s) => `${s.service}:${s.name}`))}`);
  return found[0] as ReceivedSpan;
}

test("tracing - one POST /orders is one trace: gateway, orders, users, products and SQL, properly parented", async () => {
  const reply = await send(system.url, "POST", "/orders", { user_id: 1, product_id: 100, amount: 12.5 }, {
    headers: { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01` },
  });
  assert.equal(reply.status, 201, reply.text);
  const inTrace = () => receiver.spans.filter((s) => s.traceId === TRACE_ID);
  // Each program exports on its own schedule: wait until every span the trace must hold is in.
  const expected: ReadonlyArray<[string, RegExp]> = [
    ["gateway", /^POST \/orders$/],
    ["gateway", /^orders\/OrdersService\.Create$/],
    ["orders", /^OrdersService\.Create$/],
    ["orders", /^users\/UsersService\.Get$/],
    ["orders", /^products\/ProductsService\.Get$/],
    ["users", /^UsersService\.Get$/],
    ["products", /^ProductsService\.Get$/],
    ["users", /^SELECT users/],
    ["products", /^SELECT products/],
    ["orders", /^INSERT orders/],
  ];
  const missing = () => expected.filter(([service, name]) => !inTrace().some((s) => s.service === service && name.test(s.name)));
  await waitFor(() => missing().length === 0, { timeoutMs: 10_000, intervalMs: 50, what: "every span of the trace" }).catch((error: unknown) => {
    throw new Error(`${String(error)}; missing ${JSON.stringify(missing().map(([service, name]) => `${service}:${String(name)}`))}`);
  });
  const spans = inTrace();

  const request = one(spans, "gateway", "POST /orders");
  assert.equal(request.parentSpanId, CLIENT_SPAN, "the gateway continues the client's trace");
  const callOrders = one(spans, "gateway", "orders/OrdersService.Create", request);
  const create = one(spans, "orders", "OrdersService.Create", callOrders);
  const callUsers = one(spans, "orders", "users/UsersService.Get", create);
  const callProducts = one(spans, "orders", "products/ProductsService.Get", create);
  const getUser = one(spans, "users", "UsersService.Get", callUsers);
  const getProduct = one(spans, "products", "ProductsService.Get", callProducts);
  one(spans, "users", /^SELECT users/, getUser);
  one(spans, "products", /^SELECT products/, getProduct);
  one(spans, "orders", /^INSERT orders/, create);
  assert.ok(spans.every((s) => s.traceId === TRACE_ID));
});

test("tracing - a request without traceparent starts a trace at the gateway", async () => {
  const reply = await send(system.url, "GET", "/users/2");
  assert.equal(reply.status, 200);
  const root = await waitFor(() => receiver.spans.find((s) => s.service === "gateway" && s.name === "GET /users/:id" && s.parentSpanId === undefined), {
    timeoutMs: 10_000,
    intervalMs: 50,
    what: "a root span at the gateway",
  });
  await waitFor(() => receiver.spans.some((s) => s.service === "users" && s.traceId === root.traceId), {
    timeoutMs: 10_000,
    intervalMs: 50,
    what: "the users service to join the gateway's trace",
  });
});
