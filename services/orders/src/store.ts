/**
 * The orders store: the only code that knows the orders table.
 */
import type { Database, Queryable } from "@gw/database";
import type { CallContext } from "@gw/micro";
import type { Order } from "@gw/proto";
import { type IdempotencyKey, once, previous, requestHash } from "./idempotency.js";

type OrderRow = Omit<Order, "created_at"> & { created_at: Date };

const COLUMNS = "id, user_id, product_id, amount, status, created_at";
const NEWEST_FIRST = "ORDER BY created_at DESC, id DESC";

function toOrder(row: OrderRow): Order {
  return { ...row, created_at: row.created_at.toISOString() };
}

/** Each method takes the call it serves as `context`, so its SQL spans are children of that call's. */
export class OrderStore {
  constructor(private readonly db: Database) {}

  create(userId: number, productId: number, amount: number, context?: CallContext): Promise<Order> {
    return this.insert(this.db, userId, productId, amount, context);
  }

  /**
   * Creates the order once per idempotency key: a repeat with the same fields returns the first
   * order as it was answered; different fields throw KeyReusedError.
   */
  createOnce(userId: number, productId: number, amount: number, key: IdempotencyKey, context?: CallContext): Promise<Order> {
    const hash = requestHash({ user_id: userId, product_id: productId, amount });
    // The transaction carries `context`: the insert inside it needs none of its own.
    return once(this.db, key, hash, (tx) => this.insert(tx, userId, productId, amount), context);
  }

  /** The stored answer to an earlier request with this key, if there was one (see createOnce). */
  answered(userId: number, productId: number, amount: number, key: IdempotencyKey, context?: CallContext): Promise<Order | undefined> {
    return previous(this.db, key, requestHash({ user_id: userId, product_id: productId, amount }), context);
  }

  async get(id: number, context?: CallContext): Promise<Order | undefined> {
    const rows = await this.db.query<OrderRow>(`SELECT ${COLUMNS} FROM orders WHERE id = $1`, [id], { context });
    return rows[0] && toOrder(rows[0]);
  }

  /** Newest first; all users' orders when `userId` is undefined. */
  async list(userId: number | undefined, limit: number, offset: number, context?: CallContext): Promise<Order[]> {
    const rows =
      userId === undefined
        ? await this.db.query<OrderRow>(`SELECT ${COLUMNS} FROM orders ${NEWEST_FIRST} LIMIT $1 OFFSET $2`, [limit, offset], { context })
        : await this.db.query<OrderRow>(
            `SELECT ${COLUMNS} FROM orders WHERE user_id = $1 ${NEWEST_FIRST} LIMIT $2 OFFSET $3`,
            [userId, limit, offset],
            { context },
          );
    return rows.map(toOrder);
  }

  /** Moves a pending order to cancelled; undefined when it is not pending (or absent). */
  async cancel(id: number, context?: CallContext): Promise<Order | undefined> {
    const rows = await this.db.query<OrderRow>(
      `UPDATE orders SET status = 'cancelled' WHERE id = $1 AND status = 'pending' RETURNING ${COLUMNS}`,
      [id],
      { context },
    );
    return rows[0] && toOrder(rows[0]);
  }

  /** Inserts through `on`: the store's database, or the transaction of `createOnce`. */
  private async insert(on: Queryable, userId: number, productId: number, amount: number, context?: CallContext): Promise<Order> {
    const rows = await on.query<OrderRow>(
      `INSERT INTO orders (user_id, product_id, amount) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
      [userId, productId, amount],
      { context },
    );
    return toOrder(rows[0] as OrderRow);
  }
}
