/**
 * The Redis connection behind shared limits: made to fail fast, watched, and closed.
 *
 * `enableOfflineQueue: false` (rate-limiter-flexible's advice for ioredis) makes a command fail at
 * once while the connection is down instead of queueing until it returns, so the limiter falls
 * back to its in-memory insurance limiter without holding the request. A command timeout does the
 * same for a Redis that accepts the connection but stalls.
 */
import type { FastifyBaseLogger } from "fastify";
import { Redis } from "ioredis";

/** How long one limiter command may take before the request is limited in memory instead. */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 250;

/** Nothing is worth waiting for on a limiter socket being closed: its counts are already in Redis. */
const DISCONNECT_TIMEOUT_MS = 100;

export interface RedisOptions {
  readonly url: string;
  readonly commandTimeoutMs: number;
}

/**
 * One ioredis client for the limiter. It connects in the background and ioredis reconnects on its
 * own after a loss; this class adds waiting for the first connection, outage logging and closing.
 */
export class RedisConnection {
  readonly client: Redis;
  private down = false;
  private closing = false;

  constructor(options: RedisOptions, private readonly log: FastifyBaseLogger) {
    this.client = new Redis(options.url, {
      enableOfflineQueue: false,
      commandTimeout: options.commandTimeoutMs,
      connectionName: "gateway-ratelimit",
      // How long a closing socket may linger before it is destroyed. ioredis arms this timer even
      // for a socket that already failed, which then holds the process open for its full length.
      disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    });
    // Without an `error` listener ioredis prints every failed reconnect attempt to stderr; logging
    // each instead would flood the logs during an outage, so each outage and recovery logs once.
    this.client.on("error", (error: Error) => this.markDown(error.message));
    this.client.on("close", () => this.markDown("connection closed"));
    this.client.on("ready", () => {
      if (this.down) this.log.info("rate limit store (Redis) reachable again: limits are shared");
      this.down = false;
    });
  }

  /**
   * Resolves true once connected, false after `waitMs` without it. Waiting at start means the first
   * requests are counted in Redis, not in the insurance limiter; giving up means a Redis that is
   * down delays the gateway's start by `waitMs` at most, and never stops it.
   */
  ready(waitMs: number): Promise<boolean> {
    if (this.client.status === "ready") return Promise.resolve(true);
    return new Promise((resolve) => {
      const onReady = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.client.off("ready", onReady);
        resolve(false);
      }, waitMs);
      this.client.once("ready", onReady);
    });
  }

  /** QUIT when connected, so replies in flight arrive; otherwise stop the reconnect loop at once. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.client.status === "ready") {
      try {
        await this.client.quit();
        return;
      } catch {
        // The connection dropped during QUIT: disconnecting below still stops the reconnects.
      }
    }
    this.client.disconnect();
  }

  private markDown(reason: string): void {
    if (this.down || this.closing) return;
    this.down = true;
    this.log.warn({ reason }, "rate limit store (Redis) unreachable: each gateway limits in its own memory until it returns");
  }
}
