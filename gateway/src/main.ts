/**
 * The gateway program: the single HTTP entry point, on PORT (default 8080).
 */
import {
  CachedRegistry,
  Client,
  Metrics,
  RoundRobinSelector,
  checkAccepted,
  circuitBreakers,
  clientAuth,
  clientMetrics,
  createCredentialSigner,
  clientTracing,
  createLogger,
  exitAfterFlush,
  listenOrExit,
  exitIfRefused,
  loadConfig,
  readMicroEnv,
  readTracingConfig,
  registryFromEnv,
  startTracing,
  transportFromEnv,
} from "@gw/micro";
import { orders, products, users } from "@gw/proto";
import { buildGateway } from "./app.js";
import { readAuthConfig } from "./auth/index.js";
import { readRateLimitConfig } from "./ratelimit/index.js";

const config = loadConfig("gateway", (env) => ({
  micro: readMicroEnv(env),
  port: env.int("PORT", 8080, { min: 0, max: 65535 }),
  host: env.string("HOST", "127.0.0.1"),
  rateLimit: readRateLimitConfig(env),
  auth: readAuthConfig(env),
  tracing: readTracingConfig(env),
}));

const logger = createLogger("gateway", config.micro.logLevel);
const tracing = startTracing("gateway", config.tracing);
const metrics = new Metrics("gateway");
const registry = registryFromEnv(config.micro);
const cached = new CachedRegistry(registry);
const client = new Client({
  contracts: [users, products, orders] as const,
  selector: new RoundRobinSelector(cached, { onChange: metrics.nodeStateChanged }),
  transport: transportFromEnv(config.micro).client(),
  timeoutMs: config.micro.clientTimeoutMs,
  wrappers: [
    clientTracing(),
    ...(config.micro.metrics ? [clientMetrics(metrics)] : []),
    circuitBreakers({ metrics, logger }),
    // Every call carries a credential for the account it acts for, signed by the gateway.
    ...(config.micro.auth.enabled ? [clientAuth(createCredentialSigner({ issuer: "gateway", secret: config.micro.auth.secret }))] : []),
  ],
});
metrics.observeRegistry(registry);
const app = buildGateway({
  client,
  registry: cached,
  logger,
  metrics: config.micro.metrics ? metrics : undefined,
  rateLimit: config.rateLimit,
  auth: config.auth,
});

let stopping = false;
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "stopping");
  const force = setTimeout(() => process.exit(1), config.micro.shutdownTimeoutMs + 1000);
  force.unref();
  await app.close();
  await client.close();
  await cached.close();
  await registry.close();
  await tracing.shutdown();
  logger.info("stopped");
  exitAfterFlush(logger, 0);
}
process.on("SIGTERM", (s) => void stop(s));
process.on("SIGINT", (s) => void stop(s));

// An unsafe registry folder or a refused NATS credential stops the gateway here, with one line.
await checkAccepted(registry).catch((error: unknown) => exitIfRefused("gateway", logger, error));
const address = await listenOrExit(
  () => app.listen({ port: config.port, host: config.host }),
  { program: "gateway", address: `${config.host}:${config.port}`, variable: "PORT", hostVariable: "HOST" },
  logger,
);
logger.info({ address, registry: registry.name }, `gateway listening on ${address}`);
