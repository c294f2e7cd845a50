/**
 * A program as the environment describes it: its configuration, logger, metrics, tracing,
 * registry and transport, the wrappers every call it serves and makes goes through, and how it
 * makes clients; closing it closes those in order. go-micro's `micro.NewService` builds all this
 * inside the service; here it is apart, so the gateway (which serves HTTP, not RPC) builds its
 * client exactly as the services do, with the same wrappers and the same shutdown order.
 */
import { type AuthEnv, createCredentialSigner, createCredentialVerifier } from "./auth/index.js";
import { Callers } from "./client/callers.js";
import type { CallWrapper } from "./client/middleware.js";
import type { Client } from "./client/index.js";
import { type Env, loadConfig } from "./config/index.js";
import type { ServiceContract } from "./contract/index.js";
import { type MicroEnv, readMicroEnv, registryFromEnv, transportFromEnv } from "./env.js";
import { type Logger, createLogger } from "./logger/index.js";
import { Metrics } from "./metrics/index.js";
import { clientAuth, serverAuth } from "./middleware/auth.js";
import { circuitBreakers } from "./middleware/breaker.js";
import { serverLogging } from "./middleware/logging.js";
import { clientMetrics, serverMetrics } from "./middleware/metrics.js";
import { clientTracing, serverTracing } from "./middleware/tracing.js";
import type { Registry } from "./registry/index.js";
import type { HandlerWrapper } from "./server/middleware.js";
import { type Tracing, readTracingConfig, startTracing } from "./tracing/index.js";
import type { Transport } from "./transport/index.js";

export interface ProgramOptions {
  readonly name: string;
  /** @default process.env */
  readonly env?: Env;
}

export interface Program {
  readonly name: string;
  readonly config: MicroEnv;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly registry: Registry;
  /** The registry as the program's clients see it: cached, kept fresh by watching it. */
  readonly lookup: Registry;
  readonly transport: Transport;
  /** For the calls the program serves, outermost first: tracing, logging, metrics, then auth. */
  readonly serverWrappers: readonly HandlerWrapper[];
  /** For the calls the program makes, outermost first: tracing, metrics, breakers, then auth. */
  readonly clientWrappers: readonly CallWrapper[];
  readonly tracing: Tracing;
  /** A client over the program's registry and transport, closed with the program. */
  client<const Cs extends readonly ServiceContract[]>(contracts: Cs): Client<Cs>;
  /** Closes the clients, then the registry, then tracing (so spans of the last calls are sent). */
  close(): Promise<void>;
}

/** Reads the environment (a bad value stops the program with one line) and builds its parts. */
export async function newProgram(options: ProgramOptions): Promise<Program> {
  const { name } = options;
  const config = loadConfig(name, readMicroEnv, options.env);
  const logger = createLogger(name, config.logLevel);
  const metrics = new Metrics(name);
  const tracing = await startTracing(name, loadConfig(name, readTracingConfig, options.env));
  const registry = await registryFromEnv(config);
  const transport = await transportFromEnv(config);
  const clientWrappers = [
    clientTracing(),
    ...(config.metrics ? [clientMetrics(metrics)] : []),
    circuitBreakers({ metrics, logger }),
    ...signing(name, config.auth),
  ];
  const callers = new Callers({ registry, transport, timeoutMs: config.clientTimeoutMs, wrappers: clientWrappers, metrics });
  return {
    name,
    config,
    logger,
    metrics,
    registry,
    lookup: callers.registry,
    transport,
    tracing,
    clientWrappers,
    // Auth innermost on both sides: a refused call is still traced, logged and counted.
    serverWrappers: [serverTracing(), serverLogging(logger), ...(config.metrics ? [serverMetrics(metrics)] : []), ...verifying(name, config.auth)],
    client: (contracts) => callers.client(contracts),
    close: async () => {
      await callers.close();
      await registry.close();
      await tracing.shutdown();
    },
  };
}

function signing(issuer: string, auth: AuthEnv): CallWrapper[] {
  return auth.enabled ? [clientAuth(createCredentialSigner({ issuer, secret: auth.secret }))] : [];
}

function verifying(audience: string, auth: AuthEnv): HandlerWrapper[] {
  return auth.enabled ? [serverAuth(createCredentialVerifier({ audience, secret: auth.secret }))] : [];
}
