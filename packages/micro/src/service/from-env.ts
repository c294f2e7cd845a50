/**
 * go-micro's `micro.NewService`: a service whose registry, transport, wrappers, addresses and
 * timings come from the environment (see program.ts). Exits with one line on bad configuration.
 */
import type { Env } from "../config/index.js";
import { newProgram } from "../program.js";
import { Service } from "./index.js";

export interface NewServiceOptions {
  readonly name: string;
  readonly version: string;
  readonly env?: Env;
}

export async function newService(options: NewServiceOptions): Promise<Service> {
  const program = await newProgram({ name: options.name, env: options.env ?? process.env });
  const { config } = program;
  const service = new Service({
    name: options.name,
    version: options.version,
    logger: program.logger,
    metrics: program.metrics,
    adminAddress: config.adminAddress,
    authEnabled: config.auth.enabled,
    serverWrappers: program.serverWrappers,
    clientWrappers: program.clientWrappers,
    registry: program.registry,
    transport: program.transport,
    address: config.serverAddress,
    advertise: config.advertise,
    settingNames: { address: "MICRO_SERVER_ADDRESS", adminAddress: "MICRO_ADMIN_ADDRESS" },
    registerTtlMs: config.registerTtlMs,
    registerIntervalMs: config.registerIntervalMs,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    clientTimeoutMs: config.clientTimeoutMs,
  });
  // Registered first, so it runs last: spans of the final calls and queries are still sent.
  service.onStop(() => program.tracing.shutdown());
  return service;
}
