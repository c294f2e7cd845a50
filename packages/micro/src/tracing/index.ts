/**
 * Request tracing with OpenTelemetry. A program calls `startTracing(name)` once: spans are
 * always made (so every log line can carry a trace id and `traceparent` travels on every call),
 * and exported over OTLP/HTTP only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. Context crosses
 * processes as W3C `traceparent` in call metadata, and within a process through
 * AsyncLocalStorage, so a handler's SQL and nested calls become children of its server span.
 */
import { type Context, ROOT_CONTEXT, type Span, type Tracer, context, propagation, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import type { EnvReader } from "../config/index.js";
import type { Metadata } from "../metadata/index.js";

export const TRACER_NAME = "@gw/micro";

export interface TracingConfig {
  /** OpenTelemetry's standard `OTEL_SDK_DISABLED=true` turns tracing off: no spans, no propagation. */
  readonly enabled: boolean;
  /** OTLP/HTTP base URL, e.g. `http://collector:4318`; spans are not exported when unset. */
  readonly endpoint: string | undefined;
  /** How long spans wait before a batch is sent. @default 1000 */
  readonly batchDelayMs: number;
}

export function readTracingConfig(env: EnvReader): TracingConfig {
  return {
    enabled: !env.bool("OTEL_SDK_DISABLED", false),
    endpoint: env.url("OTEL_EXPORTER_OTLP_ENDPOINT", ["http:", "https:"]),
    batchDelayMs: env.int("OTEL_BSP_SCHEDULE_DELAY", 1000, { min: 1 }),
  };
}

export interface Tracing {
  readonly tracer: Tracer;
  /** Sends what is buffered and stops; call at shutdown so the last spans are not lost. */
  shutdown(): Promise<void>;
}

/** Registers the global tracer provider for this process; call once, at start. */
export function startTracing(serviceName: string, config: TracingConfig): Tracing {
  if (!config.enabled) return { tracer: trace.getTracer(TRACER_NAME), shutdown: async () => {} };
  const spanProcessors = config.endpoint
    ? [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${config.endpoint.replace(/\/$/, "")}/v1/traces` }), { scheduledDelayMillis: config.batchDelayMs })]
    : [];
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ "service.name": serviceName }), spanProcessors });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return { tracer: trace.getTracer(TRACER_NAME), shutdown: () => provider.shutdown() };
}

/** The tracer of this process: a no-op one until `startTracing` registered a provider. */
export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

const metadataGetter = {
  keys: (carrier: Metadata) => Object.keys(carrier),
  get: (carrier: Metadata, key: string) => carrier[key],
};

/** The trace context a caller sent in metadata (`traceparent`), on top of `base`. */
export function contextFromMetadata(metadata: Metadata, base: Context = ROOT_CONTEXT): Context {
  return propagation.extract(base, metadata, metadataGetter);
}

/** `metadata` plus the `traceparent` of `span`, for the next hop. */
export function metadataWithSpan(metadata: Metadata, span: Span): Metadata {
  const carrier: Record<string, string> = { ...metadata };
  propagation.inject(trace.setSpan(context.active(), span), carrier);
  return carrier;
}

/** The context to parent a new span on: the active span in this process, else the one in metadata. */
export function parentContext(metadata: Metadata): Context {
  const active = context.active();
  return trace.getSpan(active) ? active : contextFromMetadata(metadata, active);
}
