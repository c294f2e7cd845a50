/**
 * The service: go-micro's `micro.NewService`. It serves its handlers on a transport, registers
 * with a TTL and refreshes on an interval while its readiness checks pass, answers `/health`,
 * `/ready` and `/metrics` on an admin port, and on SIGTERM or SIGINT deregisters, drains in-flight
 * calls and closes what it was given to close.
 */
import { randomUUID } from "node:crypto";
import { Client, type CallWrapper } from "../client/index.js";
import type { HandlerOf, ServiceContract } from "../contract/index.js";
import { type Logger, exitAfterFlush } from "../logger/index.js";
import { CachedRegistry } from "../registry/cache.js";
import { type Registry, type Service as Registration, checkAccepted } from "../registry/index.js";
import { RoundRobinSelector } from "../selector/index.js";
import { Server, type HandlerWrapper } from "../server/index.js";
import type { Listener, Transport } from "../transport/index.js";
import { Readiness } from "../health/index.js";
import { type AdminServer, listenAdmin } from "../health/server.js";
import { Metrics } from "../metrics/index.js";
import { advertisedAddress } from "./advertise.js";
import { Registrar } from "./registrar.js";
import { exitIfRefused } from "./refused.js";

export interface ServiceOptions {
  readonly name: string;
  readonly version: string;
  readonly registry: Registry;
  readonly transport: Transport;
  readonly logger: Logger;
  /** Where to listen, `host:port`. @default "127.0.0.1:0" */
  readonly address?: string;
  /** The address others dial, when it differs from the bound one (containers). */
  readonly advertise?: string | undefined;
  /** @default 15000 */
  readonly registerTtlMs?: number;
  /** @default 5000 */
  readonly registerIntervalMs?: number;
  /** How long in-flight calls may finish at shutdown. @default 10000 */
  readonly shutdownTimeoutMs?: number;
  /** Client call timeout. @default 5000 */
  readonly clientTimeoutMs?: number;
  readonly serverWrappers?: readonly HandlerWrapper[];
  readonly clientWrappers?: readonly CallWrapper[];
  /** Where `/health`, `/ready` and `/metrics` are served; none when undefined. */
  readonly adminAddress?: string | undefined;
  /** @default a new registry for this program */
  readonly metrics?: Metrics;
}

export class Service {
  readonly server: Server;
  readonly nodeId: string;
  readonly logger: Logger;
  /** Checks that must pass for this node to be registered; the registry's reachability is one. */
  readonly readiness = new Readiness();
  readonly metrics: Metrics;
  private listener: Listener | undefined;
  private registration: Registration | undefined;
  private registrar: Registrar | undefined;
  private admin: AdminServer | undefined;
  private readonly closers: Array<() => Promise<void>> = [];
  private readonly callerRegistry: CachedRegistry;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: ServiceOptions) {
    this.nodeId = `${options.name}-${randomUUID()}`;
    this.logger = options.logger;
    this.server = new Server({
      name: options.name,
      wrappers: options.serverWrappers ?? [],
      onError: (error, call) => this.logger.error({ err: error, endpoint: call.endpoint, requestId: call.metadata["request-id"] }, "handler failed"),
    });
    this.callerRegistry = new CachedRegistry(options.registry);
    this.metrics = options.metrics ?? new Metrics(options.name);
    this.readiness.add("registry", () => options.registry.ping());
    this.readiness.add("shutdown", async () => {
      if (this.stopping) throw new Error("stopping");
    });
  }

  get name(): string {
    return this.options.name;
  }

  get address(): string | undefined {
    return this.registration?.nodes[0]?.address;
  }

  /** Where the admin server listens, once started. */
  get adminAddress(): string | undefined {
    return this.admin?.address;
  }

  handle<C extends ServiceContract>(contract: C, handler: HandlerOf<C>): this {
    this.server.handle(contract, handler);
    return this;
  }

  /** A client for calling other services, sharing this service's registry and transport. */
  client<const Cs extends readonly ServiceContract[]>(contracts: Cs): Client<Cs> {
    const client = new Client({
      contracts,
      selector: new RoundRobinSelector(this.callerRegistry),
      transport: this.options.transport.client(),
      timeoutMs: this.options.clientTimeoutMs ?? 5000,
      wrappers: this.options.clientWrappers ?? [],
    });
    this.onStop(() => client.close());
    return client;
  }

  /** Runs `fn` at shutdown, after the last in-flight call; last registered runs first. */
  onStop(fn: () => Promise<void>): void {
    this.closers.unshift(fn);
  }

  async start(): Promise<void> {
    const o = this.options;
    // Before serving anything: a registry that refuses this program never will accept it.
    await checkAccepted(o.registry);
    this.listener = await o.transport.listen(o.address ?? "127.0.0.1:0", this.server.serve);
    if (o.adminAddress !== undefined) {
      this.admin = await listenAdmin(o.adminAddress, { name: o.name, readiness: this.readiness, metrics: this.metrics });
    }
    const address = o.advertise ?? advertisedAddress(this.listener.address);
    const metadata: Record<string, string> = { transport: o.transport.name };
    if (this.admin) metadata.admin = advertisedAddress(this.admin.address);
    this.registration = {
      name: o.name,
      version: o.version,
      endpoints: this.server.endpoints(),
      nodes: [{ id: this.nodeId, address, metadata }],
    };
    this.registrar = new Registrar(this.registration, {
      registry: o.registry,
      readiness: this.readiness,
      logger: this.logger,
      ttlMs: o.registerTtlMs ?? 15_000,
      intervalMs: o.registerIntervalMs ?? 5000,
    });
    await this.registrar.start();
    this.logger.info({ address, admin: this.admin?.address, node: this.nodeId, registry: o.registry.name }, `${o.name} serving`);
  }

  /** Deregisters, drains, closes; safe to call more than once. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /** Starts and stops on SIGTERM or SIGINT, exiting 0 after a clean stop. */
  async run(): Promise<void> {
    const onSignal = (signal: NodeJS.Signals) => {
      // Ctrl-C under a launcher delivers SIGINT and then the launcher's SIGTERM: stop once.
      if (this.stopping) return;
      this.logger.info({ signal }, "stopping");
      this.stop().then(
        () => exitAfterFlush(this.logger, 0),
        (error: unknown) => {
          this.logger.error({ err: error }, "stop failed");
          exitAfterFlush(this.logger, 1);
        },
      );
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    await this.start().catch((error: unknown) => exitIfRefused(this.options.name, this.logger, error));
  }

  private async shutdown(): Promise<void> {
    await this.registrar?.stop();
    await this.listener?.close(this.options.shutdownTimeoutMs ?? 10_000);
    for (const close of this.closers) {
      await close().catch((error: unknown) => this.logger.warn({ err: error }, "close failed"));
    }
    await this.callerRegistry.close();
    await this.options.registry.close();
    await this.admin?.close();
    this.logger.info("stopped");
  }
}
