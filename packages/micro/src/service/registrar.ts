/**
 * Keeps a node registered while, and only while, it is ready: on every interval it asks the
 * readiness checks, refreshes the registration when they pass, and deregisters when one fails
 * (its database is away, say), so callers stop choosing a node that cannot serve. While it is not
 * registered it asks far more often, so it is back the moment its dependency answers rather than
 * at the next interval; `check()` asks at once, when a call has just seen a dependency fail.
 */
import type { Logger } from "../logger/index.js";
import type { Readiness } from "../health/index.js";
import type { Registry, RegisteredService } from "../registry/index.js";

export interface RegistrarOptions {
  readonly registry: Registry;
  readonly readiness: Readiness;
  readonly logger: Logger;
  readonly ttlMs: number;
  readonly intervalMs: number;
  /** How often a node that is not registered checks again. @default 200 */
  readonly notReadyIntervalMs?: number;
}

export const DEFAULT_NOT_READY_INTERVAL_MS = 200;

export class Registrar {
  private timer: NodeJS.Timeout | undefined;
  private registered = false;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastTickAt = 0;
  private recheck = false;

  constructor(
    private readonly registration: RegisteredService,
    private readonly options: RegistrarOptions,
  ) {}

  /** Registers now (when ready) and then on every interval. */
  async start(): Promise<void> {
    await this.tick();
  }

  /**
   * Checks readiness now rather than at the next interval; at most once per not-ready interval,
   * as every failing call of a busy node asks.
   */
  check(): void {
    if (this.stopped) return;
    // A check under way may have asked before the failure: ask once more when it ends.
    if (this.running !== undefined) {
      this.recheck = true;
      return;
    }
    const minGapMs = this.options.notReadyIntervalMs ?? DEFAULT_NOT_READY_INTERVAL_MS;
    const waitMs = this.lastTickAt + minGapMs - Date.now();
    if (waitMs <= 0) {
      void this.tick();
      return;
    }
    // Asked again too soon: the check comes when the gap is over, in place of the next interval's.
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), waitMs);
    this.timer.unref();
  }

  /** Stops refreshing and removes the registration. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.options.registry.deregister(this.registration).catch((error: unknown) => {
      this.options.logger.warn({ err: error }, "deregistration failed; the TTL will expire the node");
    });
  }

  private tick(): Promise<void> {
    this.lastTickAt = Date.now();
    // One tick at a time: a slow registry must not pile up overlapping refreshes.
    this.running ??= this.refresh().finally(() => {
      this.running = undefined;
      this.schedule();
    });
    return this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const soon = !this.registered || this.recheck;
    this.recheck = false;
    const delayMs = soon ? (this.options.notReadyIntervalMs ?? DEFAULT_NOT_READY_INTERVAL_MS) : this.options.intervalMs;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
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
      // Not known to be registered: the next attempt comes soon, not a whole interval later.
      this.registered = false;
      logger.warn({ err: error }, "registry update failed; retrying");
    }
  }
}
