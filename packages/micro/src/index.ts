/**
 * @gw/micro: a small toolkit in go-micro's shape. Each concept has its folder; this file
 * re-exports what programs use.
 */
export * from "./errors/index.js";
export * from "./auth/index.js";
export * from "./metadata/index.js";
export * from "./contract/index.js";
export * from "./codec/index.js";
export {
  type Node,
  type Service as RegisteredService,
  type Registry,
  type RegisterOptions,
  type WatchEvent,
  type WatchAction,
  type Watcher,
  RegistryError,
  RegistryRefusedError,
  checkAccepted,
  nodesOf,
} from "./registry/index.js";
export { MemoryRegistry } from "./registry/memory.js";
export { LocalRegistry } from "./registry/local/index.js";
export { CachedRegistry } from "./registry/cache.js";
export { NatsRegistry, type NatsRegistryOptions } from "./registry/nats/index.js";
export * from "./selector/index.js";
export * from "./transport/index.js";
export { HttpTransport } from "./transport/http/index.js";
export { NatsTransport, type NatsTransportOptions } from "./transport/nats/index.js";
export { TcpTransport, type TcpTransportOptions, type TcpListener } from "./transport/tcp/index.js";
export { NatsUnavailableError } from "./nats/connection.js";
export { NatsRefusedError, type NatsAuth, type NatsRefusal, type NatsSecurity, type NatsTls } from "./nats/security.js";
export { NATS_ENV } from "./nats/config.js";
export { exitIfRefused, isRefusal } from "./service/refused.js";
export * from "./client/index.js";
export * from "./server/index.js";
export * from "./service/index.js";
export * from "./config/index.js";
export * from "./startup/index.js";
export * from "./logger/index.js";
export * from "./validation/index.js";
export * from "./env.js";
export * from "./metrics/index.js";
export * from "./health/index.js";
export { listenAdmin, type AdminServer } from "./health/server.js";
export { serverLogging, traceIdOf } from "./middleware/logging.js";
export { clientMetrics, serverMetrics } from "./middleware/metrics.js";
export { circuitBreakers, type BreakerOptions } from "./middleware/breaker.js";
export { clientTracing, serverTracing } from "./middleware/tracing.js";
export { clientAuth, serverAuth } from "./middleware/auth.js";
export * from "./tracing/index.js";
