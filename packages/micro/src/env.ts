/**
 * The toolkit's environment variables (go-micro's `MICRO_*` names), read and validated once,
 * and the registry and transport they select. Programs call this instead of wiring parts.
 */
import { ConfigError, type Env, type EnvReader, loadConfig } from "./config/index.js";
import { LOG_LEVELS, type LogLevel, createLogger } from "./logger/index.js";
import { Service } from "./service/index.js";
import { Metrics } from "./metrics/index.js";
import { serverLogging } from "./middleware/logging.js";
import { clientMetrics, serverMetrics } from "./middleware/metrics.js";
import { circuitBreakers } from "./middleware/breaker.js";
import { clientTracing, serverTracing } from "./middleware/tracing.js";
import { readTracingConfig, startTracing } from "./tracing/index.js";
import { type AuthEnv, createCredentialSigner, createCredentialVerifier, readAuthEnv } from "./auth/index.js";
import { clientAuth, serverAuth } from "./middleware/auth.js";
import { NATS_ENV, readNatsSecurity } from "./nats/config.js";
import { type NatsSecurity, redactServers } from "./nats/security.js";
import type { Registry } from "./registry/index.js";
import { LocalRegistry } from "./registry/local/index.js";
import { MemoryRegistry } from "./registry/memory.js";
import { DEFAULT_NATS_REGISTRY_BUCKET, NatsRegistry } from "./registry/nats/index.js";
import type { Transport } from "./transport/index.js";
import { HttpTransport } from "./transport/http/index.js";
import { NatsTransport } from "./transport/nats/index.js";
import { TcpTransport } from "./transport/tcp/index.js";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REGISTRIES = ["local", "memory", "nats"] as const;
export const TRANSPORTS = ["http", "nats", "tcp"] as const;

export interface MicroEnv {
  readonly registry: (typeof REGISTRIES)[number];
  /** For `local`: the shared directory; for `nats`: the server URL. */
  readonly registryAddress: string;
  /** For `nats`: the KV bucket; programs in different buckets do not see each other. */
  readonly registryBucket: string;
  readonly transport: (typeof TRANSPORTS)[number];
  /** For the `nats` transport: the server URL. */
  readonly transportAddress: string;
  /** The credential and TLS of every NATS connection (`MICRO_NATS_*`); empty when nothing uses NATS. */
  readonly nats: NatsSecurity;
  readonly serverAddress: string;
  readonly advertise: string | undefined;
  readonly registerTtlMs: number;
  readonly registerIntervalMs: number;
  readonly shutdownTimeoutMs: number;
  readonly clientTimeoutMs: number;
  readonly logLevel: LogLevel;
  /** Where a service serves `/health`, `/ready` and `/metrics`. */
  readonly adminAddress: string;
  /** Prometheus instruments in the middleware; `METRICS=off` leaves them out. */
  readonly metrics: boolean;
  /** Whether calls between programs carry and require signed credentials (`AUTH`). */
  readonly auth: AuthEnv;
}

/** The machine-wide default, so every program on this machine finds the others, as mDNS would. */
export const DEFAULT_LOCAL_REGISTRY_DIR = join(tmpdir(), "micro-registry");
/** NATS on this machine, its standard port. */
export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";
/** `tls://` requires TLS, as in NATS's own clients. */
const NATS_PROTOCOLS = ["nats:", "tls:"] as const;

export function readMicroEnv(env: EnvReader): MicroEnv {
  const registerTtlMs = env.int("MICRO_REGISTER_TTL_MS", 15_000, { min: 100 });
  const registry = env.oneOf("MICRO_REGISTRY", REGISTRIES, "local");
  const registryAddress =
    registry === "nats" ? (natsUrl(env, "MICRO_REGISTRY_ADDRESS") ?? DEFAULT_NATS_URL) : env.string("MICRO_REGISTRY_ADDRESS", DEFAULT_LOCAL_REGISTRY_DIR);
  const transport = env.oneOf("MICRO_TRANSPORT", TRANSPORTS, "tcp");
  // One NATS for both unless told otherwise: the registry's, when discovery is on NATS.
  const transportAddress =
    (transport === "nats" ? natsUrl(env, "MICRO_TRANSPORT_ADDRESS") : env.optional("MICRO_TRANSPORT_ADDRESS")) ??
    (registry === "nats" ? registryAddress : DEFAULT_NATS_URL);
  const natsUrls = [registry === "nats" ? registryAddress : undefined, transport === "nats" ? transportAddress : undefined];
  const usedNats = natsUrls.filter((url) => url !== undefined);
  return {
    registry,
    registryAddress,
    registryBucket: env.string("MICRO_REGISTRY_BUCKET", DEFAULT_NATS_REGISTRY_BUCKET),
    transport,
    transportAddress,
    nats: usedNats.length > 0 ? readNatsSecurity(env, usedNats) : {},
    serverAddress: env.address("MICRO_SERVER_ADDRESS", "127.0.0.1:0"),
    advertise: env.optional("MICRO_SERVER_ADVERTISE"),
    registerTtlMs,
    registerIntervalMs: env.int("MICRO_REGISTER_INTERVAL_MS", Math.floor(registerTtlMs / 3), { min: 50, max: registerTtlMs }),
    shutdownTimeoutMs: env.int("SHUTDOWN_TIMEOUT_MS", 10_000, { min: 0 }),
    clientTimeoutMs: env.int("MICRO_CLIENT_TIMEOUT_MS", 5000, { min: 1 }),
    logLevel: env.oneOf("LOG_LEVEL", LOG_LEVELS, "info"),
    adminAddress: env.address("MICRO_ADMIN_ADDRESS", "127.0.0.1:0"),
    metrics: env.bool("METRICS", true),
    auth: readAuthEnv(env),
  };
}

/**
 * A NATS URL without credentials: nats.js ignores a user and password in the URL, so they would
 * be silently dropped, and URLs end up in logs. The credential has variables of its own.
 */
function natsUrl(env: EnvReader, name: string): string | undefined {
  const raw = env.url(name, NATS_PROTOCOLS);
  if (raw === undefined) return undefined;
  for (const one of raw.split(",")) {
    const url = URL.canParse(one.trim()) ? new URL(one.trim()) : undefined;
    if (url && (url.username !== "" || url.password !== "")) {
      const expected = `a NATS URL without credentials (set ${NATS_ENV.user} and ${NATS_ENV.password}, or ${NATS_ENV.token})`;
      throw new ConfigError(name, expected, redactServers(raw));
    }
  }
  return raw;
}

export function registryFromEnv(config: MicroEnv): Registry {
  switch (config.registry) {
    case "memory":
      return new MemoryRegistry();
    case "local":
      return new LocalRegistry({ directory: config.registryAddress });
    case "nats":
      return new NatsRegistry({ ...config.nats, servers: config.registryAddress, bucket: config.registryBucket });
  }
}

export function transportFromEnv(config: MicroEnv): Transport {
  switch (config.transport) {
    case "http":
      return new HttpTransport();
    case "nats":
      return new NatsTransport({ ...config.nats, servers: config.transportAddress });
    case "tcp":
      return new TcpTransport();
  }
}

export interface NewServiceOptions {
  readonly name: string;
  readonly version: string;
  readonly env?: Env;
}

/**
 * go-micro's `micro.NewService`: a service whose registry, transport, addresses and timings
 * come from the environment. Exits with one line on bad configuration.
 */
export function newService(options: NewServiceOptions): Service {
  const config = loadConfig(options.name, readMicroEnv, options.env);
  const logger = createLogger(options.name, config.logLevel);
  const metrics = new Metrics(options.name);
  const tracing = startTracing(options.name, loadConfig(options.name, readTracingConfig, options.env));
  const auth = config.auth;
  const service = new Service({
    name: options.name,
    version: options.version,
    logger,
    metrics,
    adminAddress: config.adminAddress,
    authEnabled: auth.enabled,
    // Auth innermost on both sides: a refused call is still traced, logged and counted.
    serverWrappers: [
      serverTracing(),
      serverLogging(logger),
      ...(config.metrics ? [serverMetrics(metrics)] : []),
      ...(auth.enabled ? [serverAuth(createCredentialVerifier({ audience: options.name, secret: auth.secret }))] : []),
    ],
    clientWrappers: [
      clientTracing(),
      ...(config.metrics ? [clientMetrics(metrics)] : []),
      circuitBreakers({ metrics, logger }),
      ...(auth.enabled ? [clientAuth(createCredentialSigner({ issuer: options.name, secret: auth.secret }))] : []),
    ],
    registry: registryFromEnv(config),
    transport: transportFromEnv(config),
    address: config.serverAddress,
    advertise: config.advertise,
    settingNames: { address: "MICRO_SERVER_ADDRESS", adminAddress: "MICRO_ADMIN_ADDRESS" },
    registerTtlMs: config.registerTtlMs,
    registerIntervalMs: config.registerIntervalMs,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    clientTimeoutMs: config.clientTimeoutMs,
  });
  // Registered first, so it runs last: spans of the final calls and queries are still sent.
  service.onStop(() => tracing.shutdown());
  return service;
}
