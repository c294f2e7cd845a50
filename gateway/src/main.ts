/**
 * The gateway program: the single HTTP entry point, on PORT (default 8080). Its registry,
 * transport, client wrappers and shutdown order come from the toolkit's program builder, exactly
 * as the services' do; what is the gateway's own is read here.
 */
import { checkAccepted, exitAfterFlush, exitOnStartupFailure, listenOrExit, loadConfig, newProgram } from "@gw/micro";
import { buildGateway } from "./app.js";
import { readAuthConfig } from "./auth/index.js";
import { readRateLimitConfig } from "./ratelimit/index.js";

const DEFAULT_PORT = 8080;
const DEFAULT_HOST = "127.0.0.1";

const config = loadConfig("gateway", (env) => ({
  port: env.int("PORT", DEFAULT_PORT, { min: 0, max: 65535 }),
  host: env.string("HOST", DEFAULT_HOST),
  rateLimit: readRateLimitConfig(env),
  auth: readAuthConfig(env),
  // The services /ready waits for; the launcher and the deploy files set it from the service list.
  expect: env.names("GATEWAY_EXPECT", []),
}));
const program = await newProgram({ name: "gateway" });
const { logger, metrics } = program;
const client = program.client([] as const);
metrics.observeRegistry(program.registry);
const app = buildGateway({
  client,
  registry: program.lookup,
  logger,
  metrics: program.config.metrics ? metrics : undefined,
  breakerMetrics: metrics,
  rateLimit: config.rateLimit,
  auth: config.auth,
  expect: config.expect,
});

let stopping = false;
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "stopping");
  const force = setTimeout(() => process.exit(1), program.config.shutdownTimeoutMs + 1000);
  force.unref();
  await app.close();
  await program.close();
  logger.info("stopped");
  exitAfterFlush(logger, 0);
}
process.on("SIGTERM", (s) => void stop(s));
process.on("SIGINT", (s) => void stop(s));

// An unsafe registry folder or a refused NATS credential stops the gateway here, with one line.
await checkAccepted(program.registry).catch((error: unknown) => exitOnStartupFailure("gateway", error, logger));
const address = await listenOrExit(
  () => app.listen({ port: config.port, host: config.host }),
  { program: "gateway", address: `${config.host}:${config.port}`, variable: "PORT", hostVariable: "HOST" },
  logger,
);
logger.info({ address, registry: program.registry.name }, `gateway listening on ${address}`);
