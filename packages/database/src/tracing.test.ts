/**
 * SQL spans parent on the call they are given (`QueryOptions.context`), with no context manager
 * in the process: nothing can reach them implicitly, as in a service since AsyncLocalStorage went.
 * Spans land in memory; the test runs on PGlite, which needs nothing installed.
 */

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ROOT_CONTEXT, context, trace } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { type CallContext, type Tracing, spansRecorded, startTracing } from "@gw/micro";
import type { Database } from "./index.js";
import { pgliteKind } from "./testing.js";
import { traced } from "./tracing.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALL_SPAN = "00f067aa0ba902b7";
const OTHER_SPAN = "b7ad6b7169203331";

const exporter = new InMemorySpanExporter();
const kind = pgliteKind();
let tracing: Tracing | undefined;
let db: Database | undefined;

before(async () => {
  // Registered first, so startTracing's own provider fails to replace it.
  assert.ok(trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })));
  // An endpoint is the only switch for spansRecorded(); nothing is sent there, its provider is not the global one.
  tracing = await startTracing("database-test", { enabled: true, endpoint: "http://127.0.0.1:9", batchDelayMs: 60_000 });
  // Any context manager startTracing set up goes: a parent must come from the options alone.
  context.disable();
  db = traced(await kind.open());
});

after(async () => {
  await db?.close();
  await kind.cleanup();
  await tracing?.shutdown();
});

/** A call whose span is `spanId`, as the server middleware hands it to a handler. */
function call(spanId: string): CallContext {
  return { service: "users", endpoint: "UsersService.Get", metadata: { traceparent: `00-${TRACE_ID}-${spanId}-01` }, deadline: Date.now() + 5000, signal: new AbortController().signal };
}

/** The one span recorded for `sql`. */
function spanOf(sql: string): ReadableSpan {
  const spans = exporter.getFinishedSpans().filter((span) => span.attributes["db.statement"] === sql);
  assert.equal(spans.length, 1, `one span for ${sql}; got ${exporter.getFinishedSpans().map((span) => span.attributes["db.statement"]).join(" | ")}`);
  return spans[0] as ReadableSpan;
}

function assertChildOf(span: ReadableSpan, spanId: string): void {
  assert.equal(span.spanContext().traceId, TRACE_ID);
  assert.equal(span.parentSpanContext?.traceId, TRACE_ID);
  assert.equal(span.parentSpanContext?.spanId, spanId);
}

test("tracing - spans are recorded, and nothing carries a context implicitly", () => {
  assert.ok(spansRecorded());
  const set = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: CALL_SPAN, traceFlags: 1 });
  assert.equal(context.with(set, () => context.active()), ROOT_CONTEXT);
});

test("tracing - a query given a call's context is a child of that call's span", async () => {
  exporter.reset();
  assert.deepEqual(await db?.query("SELECT 1 AS one", [], { context: call(CALL_SPAN) }), [{ one: 1 }]);
  assertChildOf(spanOf("SELECT 1 AS one"), CALL_SPAN);
});

test("tracing - a query without a context starts a trace of its own", async () => {
  exporter.reset();
  await db?.query("SELECT 2 AS two");
  const span = spanOf("SELECT 2 AS two");
  assert.equal(span.parentSpanContext, undefined);
  assert.notEqual(span.spanContext().traceId, TRACE_ID);
});

test("tracing - statements in a transaction given a context are children of its call, unless they name their own", async () => {
  exporter.reset();
  await db?.transaction(
    async (tx) => {
      await tx.query("SELECT 3 AS three");
      await tx.exec("SELECT 4 AS four");
      await tx.query("SELECT 5 AS five", [], { context: call(OTHER_SPAN) });
    },
    { context: call(CALL_SPAN) },
  );
  assertChildOf(spanOf("SELECT 3 AS three"), CALL_SPAN);
  assertChildOf(spanOf("SELECT 4 AS four"), CALL_SPAN);
  assertChildOf(spanOf("SELECT 5 AS five"), OTHER_SPAN);
});
