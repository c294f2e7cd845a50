/**
 * Keeps a node registered while, and only while, it is ready: on every interval it asks the
 * readiness checks, refreshes the registration when they pass, and deregisters when one fails
 * (its database is away, say), so callers stop choosing a node that cannot serve.
 */
import type { Logger } from "../logger/index.js";
import type { Readiness } from "../health/index.js";
import type { Registry, Service as Registration } from "../registry/index.js";

export interface RegistrarOptions {
  readonly registry: Registry;
  readonly readiness: Readiness;
  readonly logger: Logger;
  readonly ttlMs: number;
  readonly intervalMs: number;
}

export class Registrar {
  private timer: NodeJS.Timeout | undefined;
  private registered = false;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly registration: Registration,
    private readonly options: RegistrarOptions,
  ) {}

  /** Registers now (when ready) and then on every interval. */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops refreshing and removes the registration. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await this.options.registry.deregister(this.registration).catch((error: unknown) => {
      this.options.logger.warn({ err: error }, "deregistration failed; the TTL will expire the node");
    });
  }

  private tick(): Promise<void> {
    // One tick at a time: a slow registry must not pile up overlapping refreshes.
    this.running ??= this.refresh().finally(() => (this.running = undefined));
    return this.running;
  }

  private async refresh(): Promise<void> {
    const { registry, readiness, logger, ttlMs } = this.options;
    const report = await readiness.evaluate();
    if (this.stopped) return;
    try {
      if (report.ready) {
        await registry.register(this.registration, { ttlMs });
        if (!this.registered) logger.info({ node: this.registration.nodes[0]?.id }, "ready: registered");
        this.registered = true;
      } else if (this.registered) {
        await registry.deregister(this.registration);
        this.registered = false;
        logger.warn({ failing: report.failing }, "not ready: deregistered until the checks pass");
      }
    } catch (error) {
      logger.warn({ err: error }, "registry update failed; retrying on the next interval");
    }
  }
}
