/**
 * @gw/micro: a small toolkit in go-micro's shape, one folder per concept. This is its core: what
 * every program uses, with the zero-dependency backends (memory and local registries, the TCP
 * transport). It loads no NATS client, no HTTP stack and no span exporter; those are backends at
 * their own entry points, loaded when the environment picks them:
 *
 *   @gw/micro/nats    the NATS registry and transport
 *   @gw/micro/http    the HTTP/1.1 transport
 *   @gw/micro/admin   the admin HTTP server (/health, /ready, /metrics)
 *   @gw/micro/testing helpers for tests; @gw/micro/conformance the suites a backend must pass
 */
export * from "./errors/index.js";
export * from "./auth/index.js";
export * from "./metadata/index.js";
export * from "./contract/index.js";
export * from "./codec/index.js";
export * from "./registry/index.js";
export { MemoryRegistry } from "./registry/memory.js";
export { LocalRegistry } from "./registry/local/index.js";
export { CachedRegistry, DEFAULT_CACHE_MAX_AGE_MS } from "./registry/cache.js";
export * from "./selector/index.js";
export * from "./transport/index.js";
export { TcpTransport, type TcpTransportOptions, type TcpListener } from "./transport/tcp/index.js";
export { NATS_ENV } from "./nats/config.js";
export { type NatsAuth, type NatsSecurity, type NatsTls, DEFAULT_NATS_REGISTRY_BUCKET } from "./nats/options.js";
export * from "./client/index.js";
export { Callers, type CallersOptions } from "./client/callers.js";
export * from "./server/index.js";
export * from "./service/index.js";
export { newService, type NewServiceOptions } from "./service/from-env.js";
export { newProgram, type Program, type ProgramOptions } from "./program.js";
export * from "./config/index.js";
export * from "./startup/index.js";
export * from "./logger/index.js";
export * from "./validation/index.js";
export * from "./env.js";
export * from "./metrics/index.js";
export * from "./health/index.js";
export { serverLogging } from "./middleware/logging.js";
export { clientMetrics, serverMetrics } from "./middleware/metrics.js";
export { circuitBreakers, type BreakerOptions, DEFAULT_HALF_OPEN_AFTER_MS, DEFAULT_MAX_HALF_OPEN_AFTER_MS } from "./middleware/breaker.js";
export { clientTracing, serverTracing } from "./middleware/tracing.js";
export { clientAuth, serverAuth } from "./middleware/auth.js";
export * from "./tracing/index.js";
