/**
 * Tracing middleware: a SERVER span around every call served, parented on the caller's
 * `traceparent`, whose own `traceparent` replaces it in the handler's context (so its SQL and
 * nested calls are children); and a CLIENT span around every call made, whose `traceparent`
 * travels with the call.
 * When this process records no spans (no exporter), neither is made: the caller's `traceparent`
 * travels on as it came, so the trace id still ties every log line of a request together.
 */
import { SpanKind, SpanStatusCode, type Span } from "@opentelemetry/api";
import type { CallWrapper } from "../client/middleware.js";
import { codeOf } from "../metrics/index.js";
import type { HandlerWrapper } from "../server/middleware.js";
import { TRACEPARENT } from "../metadata/index.js";
import { contextFromMetadata, metadataWithSpan, parentContext, spansRecorded, tracer } from "../tracing/index.js";
import { settled } from "./settled.js";

function finish(span: Span, failure: unknown): void {
  const code = Number(codeOf(failure));
  span.setAttribute("rpc.micro.code", code);
  if (failure !== undefined && code >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: String(code) });
  span.end();
}

export function serverTracing(): HandlerWrapper {
  return (next) => (call) => {
    if (!spansRecorded()) return next(call);
    const parent = contextFromMetadata(call.metadata);
    const span = tracer().startSpan(
      call.endpoint,
      { kind: SpanKind.SERVER, attributes: { "rpc.system": "micro", "rpc.service": call.service, "rpc.method": call.endpoint } },
      parent,
    );
    // The handler's context now names this span: its nested calls and SQL, given the context,
    // become children of it.
    call.metadata = metadataWithSpan(call.metadata, span);
    return settled(() => next(call), (failure) => finish(span, failure));
  };
}

export function clientTracing(): CallWrapper {
  return (next) => (call) => {
    // A call with no trace yet still gets a span, unrecorded: it is what makes the trace id.
    if (!spansRecorded() && call.metadata[TRACEPARENT] !== undefined) return next(call);
    const span = tracer().startSpan(
      `${call.service}/${call.endpoint}`,
      { kind: SpanKind.CLIENT, attributes: { "rpc.system": "micro", "rpc.service": call.service, "rpc.method": call.endpoint } },
      parentContext(call.metadata),
    );
    return settled(() => next({ ...call, metadata: metadataWithSpan(call.metadata, span) }), (failure) => finish(span, failure));
  };
}
