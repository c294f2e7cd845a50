/**
 * `@gw/micro/nats`: the NATS backends, a registry on JetStream KV and a request/reply transport,
 * over one shared connection per server and identity. Programs load this only when the
 * environment picks NATS (MICRO_REGISTRY=nats, MICRO_TRANSPORT=nats), so nothing else ever loads
 * the NATS client.
 */
import type { MicroEnv } from "../env.js";
import { NatsRegistry } from "./registry/index.js";
import { checkSeedOf } from "./seed.js";
import { NatsTransport } from "./transport/index.js";

export { NatsRegistry, type NatsRegistryOptions, DEFAULT_NATS_REGISTRY_MAX_AGE_MS, DEFAULT_NATS_REGISTRY_OPERATION_TIMEOUT_MS } from "./registry/index.js";
export { NatsTransport, type NatsTransportOptions, NODE_SUBJECT_PREFIX } from "./transport/index.js";
export {
  type NatsConnectionOptions,
  type SharedNatsConnection,
  NatsUnavailableError,
  acquireNatsConnection,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_RECONNECT_TIME_WAIT_MS,
} from "./connection.js";
export { NatsRefusedError, type NatsRefusal } from "./security.js";
export { type NatsAuth, type NatsSecurity, type NatsTls, DEFAULT_NATS_REGISTRY_BUCKET, redactServers } from "./options.js";

/** The registry the environment describes (MICRO_REGISTRY=nats). */
export function natsRegistryOf(config: MicroEnv): NatsRegistry {
  checkSeedOf(config.nats);
  return new NatsRegistry({ ...config.nats, servers: config.registryAddress, bucket: config.registryBucket });
}

/** The transport the environment describes (MICRO_TRANSPORT=nats). */
export function natsTransportOf(config: MicroEnv): NatsTransport {
  checkSeedOf(config.nats);
  return new NatsTransport({ ...config.nats, servers: config.transportAddress });
}
