/**
 * The service: go-micro's `micro.NewService`. It serves its handlers on a transport, registers
 * with a TTL and refreshes on an interval while its readiness checks pass, answers `/health`,
 * `/ready` and `/metrics` on an admin port, and on SIGTERM or SIGINT deregisters, drains in-flight
 * calls and closes what it was given to close.
 */
import { randomUUID } from "node:crypto";
import { type CallWrapper, type Client, DEFAULT_CALL_TIMEOUT_MS } from "../client/index.js";
import { Callers } from "../client/callers.js";
import type { HandlerOf, ServiceContract } from "../contract/index.js";
import { type Logger, exitAfterFlush } from "../logger/index.js";
import { type Registry, type RegisteredService, checkAccepted } from "../registry/index.js";
import { Server, type HandlerWrapper } from "../server/index.js";
import type { Listener, Transport } from "../transport/index.js";
import { Readiness } from "../health/index.js";
import type { AdminServer } from "../admin/index.js";
import { Metrics } from "../metrics/index.js";
import { exitOnStartupFailure, listenFailure, notifyListening } from "../startup/index.js";
import { advertisedAddress } from "./advertise.js";
import { Registrar } from "./registrar.js";

/** How long a registration lives without a refresh: a killed node is gone after it. */
export const DEFAULT_REGISTER_TTL_MS = 15_000;
/** How long in-flight calls may finish once SIGTERM came. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
/** Where a service listens when told nothing: this machine only, any free port (registered). */
export const DEFAULT_SERVER_ADDRESS = "127.0.0.1:0";

/** A registration is refreshed three times per TTL, so two refreshes can be lost before it expires. */
export function defaultRegisterIntervalMs(ttlMs: number): number {
  return Math.floor(ttlMs / 3);
}

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
  /** @default DEFAULT_REGISTER_TTL_MS */
  readonly registerTtlMs?: number;
  /** @default a third of the TTL */
  readonly registerIntervalMs?: number;
  /** How long in-flight calls may finish at shutdown. @default DEFAULT_SHUTDOWN_TIMEOUT_MS */
  readonly shutdownTimeoutMs?: number;
  /** Client call timeout. @default DEFAULT_CALL_TIMEOUT_MS */
  readonly clientTimeoutMs?: number;
  readonly serverWrappers?: readonly HandlerWrapper[];
  readonly clientWrappers?: readonly CallWrapper[];
  /** Where `/health`, `/ready` and `/metrics` are served; none when undefined. */
  readonly adminAddress?: string | undefined;
  /** @default a new registry for this program */
  readonly metrics?: Metrics;
  /**
   * Whether its wrappers verify every incoming call's credential (`AUTH`). Handlers that decide
   * by the caller's account read this, so a missing account is never taken to mean "auth is off".
   * @default false
   */
  readonly authEnabled?: boolean;
  /**
   * The names under which `address` and `adminAddress` were configured (environment variables),
   * so that a failed listen says what to change. @default the option names
   */
  readonly settingNames?: { readonly address: string; readonly adminAddress: string };
}

export class Service {
  readonly server: Server;
  readonly nodeId: string;
  readonly logger: Logger;
  /** Checks that must pass for this node to be registered; the registry's reachability is one. */
  readonly readiness = new Readiness();
  readonly metrics: Metrics;
  readonly authEnabled: boolean;
  private listener: Listener | undefined;
  private registration: RegisteredService | undefined;
  private registrar: Registrar | undefined;
  private admin: AdminServer | undefined;
  private readonly closers: Array<() => Promise<void>> = [];
  private readonly callers: Callers;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: ServiceOptions) {
    this.nodeId = `${options.name}-${randomUUID()}`;
    this.logger = options.logger;
    this.server = new Server({
      name: options.name,
      wrappers: options.serverWrappers ?? [],
      onError: (error, call) => this.logger.error({ err: error, endpoint: call.endpoint, requestId: call.metadata["request-id"] }, "handler failed"),
      onRejected: (error, call) =>
        this.logger.warn({ err: error.cause, code: error.status, endpoint: call.endpoint, requestId: call.metadata["request-id"] }, error.message),
      // A dependency just failed a call: readiness is asked now, so the node leaves the registry
      // at once rather than at the next interval (and is back as soon as the dependency is).
      onUnavailable: () => this.registrar?.check(),
    });
    this.metrics = options.metrics ?? new Metrics(options.name);
    this.callers = new Callers({
      registry: options.registry,
      transport: options.transport,
      timeoutMs: options.clientTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
      wrappers: options.clientWrappers,
      metrics: this.metrics,
    });
    this.authEnabled = options.authEnabled ?? false;
    this.readiness.add("registry", () => options.registry.ping());
    this.metrics.observeRegistry(options.registry);
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
    return this.callers.client(contracts);
  }

  /** Runs `fn` at shutdown, after the last in-flight call; last registered runs first. */
  onStop(fn: () => Promise<void>): void {
    this.closers.unshift(fn);
  }

  /** Listens, then registers once ready; a failed listen rejects with a `StartupError`. */
  async start(): Promise<void> {
    const o = this.options;
    // Before serving anything: a registry that refuses this program never will accept it.
    await checkAccepted(o.registry);
    this.listener = await this.listen();
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
      ttlMs: o.registerTtlMs ?? DEFAULT_REGISTER_TTL_MS,
      intervalMs: o.registerIntervalMs ?? defaultRegisterIntervalMs(o.registerTtlMs ?? DEFAULT_REGISTER_TTL_MS),
    });
    await this.registrar.start();
    this.logger.info({ address, admin: this.admin?.address, node: this.nodeId, registry: o.registry.name }, `${o.name} serving`);
  }

  /** Deregisters, drains, closes; safe to call more than once. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /**
   * Starts and stops on SIGTERM or SIGINT, exiting 0 after a clean stop. A start that fails
   * prints one line naming what to change and exits 1; one that succeeds tells a launcher.
   */
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
    try {
      await this.start();
    } catch (error) {
      return exitOnStartupFailure(this.name, error, this.logger);
    }
    notifyListening(this.address ?? "");
  }

  /** Opens the RPC listener, then the admin server; a taken port names its setting. */
  private async listen(): Promise<Listener> {
    const o = this.options;
    const names = o.settingNames ?? { address: "address", adminAddress: "adminAddress" };
    const failed = (address: string, variable: string) => (error: unknown) => {
      throw listenFailure(error, { program: o.name, address, variable });
    };
    const bind = o.address ?? DEFAULT_SERVER_ADDRESS;
    const listener = await o.transport.listen(bind, this.server.serve).catch(failed(bind, names.address));
    const adminAddress = o.adminAddress;
    if (adminAddress !== undefined) {
      // Loaded only when asked for: it is an HTTP server, which a service without one never loads.
      const { listenAdmin } = await import("../admin/index.js");
      const admin = listenAdmin(adminAddress, { name: o.name, readiness: this.readiness, metrics: this.metrics });
      this.admin = await admin.catch(async (error: unknown) => {
        // A start that failed half-way leaves nothing listening behind it.
        await listener.close(0);
        return failed(adminAddress, names.adminAddress)(error);
      });
    }
    return listener;
  }

  private async shutdown(): Promise<void> {
    await this.registrar?.stop();
    await this.listener?.close(this.options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);
    // The clients first: no call needs them any more, and they were made after what the closers
    // close (a database, say).
    await this.callers.close();
    for (const close of this.closers) {
      await close().catch((error: unknown) => this.logger.warn({ err: error }, "close failed"));
    }
    await this.options.registry.close();
    await this.admin?.close();
    this.logger.info("stopped");
  }
}
