/**
 * Idempotent order creation: the key is claimed and the order inserted in one transaction, so
 * of several concurrent requests with one key exactly one inserts; the others wait for it (a
 * PostgreSQL unique insert waits on the uncommitted one; PGlite runs one transaction at a time)
 * and then read its stored response.
 */
import { createHash } from "node:crypto";
import type { Database, Queryable } from "@gw/database";
import type { CallContext } from "@gw/micro";
import type { Order } from "@gw/proto";

export interface IdempotencyKey {
  /** Whose key it is: the caller's identity, so two callers' keys never collide. */
  readonly scope: string;
  readonly key: string;
}

/** The request with this key differs from the one it first answered. */
export class KeyReusedError extends Error {
  constructor(readonly key: string) {
    super(`Idempotency-Key ${key} was already used with a different request`);
    this.name = "KeyReusedError";
  }
}

/** A stable hash of the fields that define the request. */
export function requestHash(fields: Record<string, unknown>): string {
  const canonical = JSON.stringify(Object.keys(fields).sort().map((k) => [k, fields[k]]));
  return createHash("sha256").update(canonical).digest("hex");
}

/**
 * Runs `insert` once per key: the first call's order is stored and returned again to every
 * later call with the same key and hash; a different hash throws KeyReusedError. `context` is
 * the call served, for the transaction's statements (`insert`'s included) to be its children.
 */
export async function once(
  db: Database,
  id: IdempotencyKey,
  hash: string,
  insert: (tx: Queryable) => Promise<Order>,
  context?: CallContext,
): Promise<Order> {
  return db.transaction(async (tx) => {
    const claimed = await tx.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, response) VALUES ($1, $2, $3, 'null')
       ON CONFLICT DO NOTHING RETURNING key`,
      [id.scope, id.key, hash],
    );
    if (claimed.length > 0) {
      const order = await insert(tx);
      await tx.query(`UPDATE idempotency_keys SET response = $3 WHERE scope = $1 AND key = $2`, [id.scope, id.key, JSON.stringify(order)]);
      return order;
    }
    const first = await previous(tx, id, hash);
    if (!first) throw new KeyReusedError(id.key);
    return first;
  }, { context });
}

/**
 * The stored answer for `id`, or undefined when the key is new. Read before verifying a request,
 * so a replay answers as the first time did even if what it referenced has changed since.
 */
export async function previous(db: Queryable, id: IdempotencyKey, hash: string, context?: CallContext): Promise<Order | undefined> {
  const [first] = await db.query<{ request_hash: string; response: Order | null }>(
    `SELECT request_hash, response FROM idempotency_keys WHERE scope = $1 AND key = $2`,
    [id.scope, id.key],
    { context },
  );
  if (!first) return undefined;
  if (first.request_hash !== hash) throw new KeyReusedError(id.key);
  return first.response ?? undefined;
}
