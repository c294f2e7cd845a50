/**
 * The gateway's share of tracing and metrics. Every request gets a SERVER span, parented on the
 * client's W3C `traceparent` when it sent one (else it starts the trace); calls to backends carry
 * that span in their metadata, so gateway, services and SQL share one trace. Every request is
 * counted and timed by route pattern, and `/metrics` serves the Prometheus text.
 */
import { ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, propagation } from "@opentelemetry/api";
import type { FastifyRequest } from "fastify";
import { type Metadata, type Metrics, metadataWithSpan, spansRecorded, tracer } from "@gw/micro";
import type { App } from "./context.js";
import { HttpMetrics } from "./http-metrics.js";
import { routeLabel } from "./catalog/serve.js";
import { ADMIN_ROLE } from "./auth/identity.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The request's SERVER span, when tracing saw it arrive. */
    span?: Span;
  }
}

const headerGetter = {
  keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
  get: (carrier: Record<string, unknown>, key: string) => {
    const value = carrier[key];
    return Array.isArray(value) ? (value[0] as string | undefined) : (value as string | undefined);
  },
};

export function observability(app: App, metrics: Metrics | undefined): void {
  const http = metrics === undefined ? undefined : new HttpMetrics(metrics);
  app.addHook("onRequest", (request, _reply, done) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers, headerGetter);
    if (!spansRecorded()) {
      // Unrecorded, the span only makes the request's trace and span ids: no name or attributes.
      request.span = tracer().startSpan("request", undefined, parent);
      return done();
    }
    const route = routeLabel(request);
    request.span = tracer().startSpan(
      `${request.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { "http.request.method": request.method, "http.route": route } },
      parent,
    );
    done();
  });
  app.addHook("onResponse", (request, reply, done) => {
    http?.of(request.method, routeLabel(request)).record(reply.elapsedTime / 1000, String(reply.statusCode));
    const span = request.span;
    if (span?.isRecording()) {
      span.setAttribute("http.response.status_code", reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });
  if (!metrics) return;
  // What runs and how much of it: not for every caller.
  app.get("/metrics", { config: { auth: { role: ADMIN_ROLE } } }, async (_request, reply) => {
    return reply.header("content-type", metrics.contentType).send(await metrics.text());
  });
}

/** `metadata` plus the request span's `traceparent`, so backends join the request's trace. */
export function withTrace(request: FastifyRequest, metadata: Metadata): Metadata {
  return request.span ? metadataWithSpan(metadata, request.span) : metadata;
}

/** The trace id for the request's log line. */
export function requestTraceId(request: FastifyRequest): string | undefined {
  const id = request.span?.spanContext().traceId;
  return id && id !== "00000000000000000000000000000000" ? id : undefined;
}
