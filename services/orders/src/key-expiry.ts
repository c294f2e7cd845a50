/**
 * Idempotency keys are kept for IDEMPOTENCY_KEY_TTL_HOURS (24 by default, as Stripe keeps them):
 * long enough for any client's retries, without the table growing for ever. A sweep at start and
 * then every hour deletes older keys; a retry with an expired key creates a new order.
 */
import type { Queryable } from "@gw/database";
import { type Env, type Logger, loadConfig } from "@gw/micro";

export const DEFAULT_KEY_TTL_HOURS = 24;
export const SWEEP_EVERY_MS = 60 * 60_000;

export interface KeyExpiryConfig {
  readonly ttlMs: number;
  readonly everyMs: number;
}

export function readKeyExpiryConfig(env?: Env): KeyExpiryConfig {
  return loadConfig(
    "orders",
    (e) => ({ ttlMs: e.int("IDEMPOTENCY_KEY_TTL_HOURS", DEFAULT_KEY_TTL_HOURS, { min: 1, max: 24 * 366 }) * 3_600_000, everyMs: SWEEP_EVERY_MS }),
    env,
  );
}

/** Deletes the keys created more than `ttlMs` ago; resolves how many. */
export async function expireKeys(db: Queryable, ttlMs: number): Promise<number> {
  const rows = await db.query(
    `DELETE FROM idempotency_keys WHERE created_at < now() - $1::double precision * interval '1 millisecond' RETURNING key`,
    [ttlMs],
  );
  return rows.length;
}

/** Sweeps now and every `everyMs`; a failed sweep is logged and tried again at the next one. */
export function startKeyExpiry(db: Queryable, config: KeyExpiryConfig, logger: Logger): { stop(): void } {
  const sweep = () =>
    expireKeys(db, config.ttlMs).then(
      (expired) => {
        if (expired > 0) logger.info({ expired }, `expired ${expired} idempotency keys`);
      },
      (error: unknown) => logger.warn({ err: error }, "idempotency key sweep failed"),
    );
  void sweep();
  // Unref'd: a pending sweep must not keep a stopping program alive.
  const timer = setInterval(sweep, config.everyMs).unref();
  return { stop: () => clearInterval(timer) };
}
