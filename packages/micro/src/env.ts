/**
 * The toolkit's environment variables (go-micro's `MICRO_*` names), read and validated once,
 * and the registry and transport they select. A backend is loaded only when the environment picks
 * it (a dynamic import), so a program on the local registry and TCP never loads the NATS client
 * or an HTTP stack.
 */
import { ConfigError, type EnvReader } from "./config/index.js";
import { LOG_LEVELS, type LogLevel } from "./logger/index.js";
import { type AuthEnv, readAuthEnv } from "./auth/index.js";
import { NATS_ENV, readNatsSecurity } from "./nats/config.js";
import { DEFAULT_NATS_REGISTRY_BUCKET, type NatsSecurity, redactServers } from "./nats/options.js";
import type { Registry } from "./registry/index.js";
import { DEFAULT_CALL_TIMEOUT_MS } from "./client/index.js";
import { DEFAULT_REGISTER_TTL_MS, DEFAULT_SERVER_ADDRESS, DEFAULT_SHUTDOWN_TIMEOUT_MS, defaultRegisterIntervalMs } from "./service/index.js";
import type { Transport } from "./transport/index.js";
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
  const registerTtlMs = env.int("MICRO_REGISTER_TTL_MS", DEFAULT_REGISTER_TTL_MS, { min: 100 });
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
    serverAddress: env.address("MICRO_SERVER_ADDRESS", DEFAULT_SERVER_ADDRESS),
    advertise: env.optional("MICRO_SERVER_ADVERTISE"),
    registerTtlMs,
    registerIntervalMs: env.int("MICRO_REGISTER_INTERVAL_MS", defaultRegisterIntervalMs(registerTtlMs), { min: 50, max: registerTtlMs }),
    shutdownTimeoutMs: env.int("SHUTDOWN_TIMEOUT_MS", DEFAULT_SHUTDOWN_TIMEOUT_MS, { min: 0 }),
    clientTimeoutMs: env.int("MICRO_CLIENT_TIMEOUT_MS", DEFAULT_CALL_TIMEOUT_MS, { min: 1 }),
    logLevel: env.oneOf("LOG_LEVEL", LOG_LEVELS, "info"),
    adminAddress: env.address("MICRO_ADMIN_ADDRESS", DEFAULT_SERVER_ADDRESS),
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

/** The registry the environment picks; a backend module is loaded only when picked. */
export async function registryFromEnv(config: MicroEnv): Promise<Registry> {
  switch (config.registry) {
    case "memory": {
      const { MemoryRegistry } = await import("./registry/memory.js");
      return new MemoryRegistry();
    }
    case "local": {
      const { LocalRegistry } = await import("./registry/local/index.js");
      return new LocalRegistry({ directory: config.registryAddress });
    }
    case "nats":
      return (await import("./nats/index.js")).natsRegistryOf(config);
  }
}

/** The transport the environment picks; a backend module is loaded only when picked. */
export async function transportFromEnv(config: MicroEnv): Promise<Transport> {
  switch (config.transport) {
    case "http": {
      const { HttpTransport } = await import("./http/index.js");
      return new HttpTransport();
    }
    case "nats":
      return (await import("./nats/index.js")).natsTransportOf(config);
    case "tcp": {
      const { TcpTransport } = await import("./transport/tcp/index.js");
      return new TcpTransport();
    }
  }
}
