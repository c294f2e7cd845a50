/**
 * The orders store: the only code that knows the orders table.
 */
import type { Database, Queryable } from "@gw/database";
import type { Order } from "@gw/proto";
import { type IdempotencyKey, once, previous, requestHash } from "./idempotency.js";

type OrderRow = Omit<Order, "created_at"> & { created_at: Date };

const COLUMNS = "id, user_id, product_id, amount, status, created_at";
const NEWEST_FIRST = "ORDER BY created_at DESC, id DESC";

function toOrder(row: OrderRow): Order {
  return { ...row, created_at: row.created_at.toISOString() };
}

export class OrderStore {
  constructor(private readonly db: Database) {}

  /** Inserts through `on` (a transaction, say), else through the store's database. */
  async create(userId: number, productId: number, amount: number, on: Queryable = this.db): Promise<Order> {
    const rows = await on.query<OrderRow>(
      `INSERT INTO orders (user_id, product_id, amount) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
      [userId, productId, amount],
    );
    return toOrder(rows[0] as OrderRow);
  }

  /**
   * Creates the order once per idempotency key: a repeat with the same fields returns the first
   * order as it was answered; different fields throw KeyReusedError.
   */
  createOnce(userId: number, productId: number, amount: number, key: IdempotencyKey): Promise<Order> {
    const hash = requestHash({ user_id: userId, product_id: productId, amount });
    return once(this.db, key, hash, (tx) => this.create(userId, productId, amount, tx));
  }

  /** The stored answer to an earlier request with this key, if there was one (see createOnce). */
  answered(userId: number, productId: number, amount: number, key: IdempotencyKey): Promise<Order | undefined> {
    return previous(this.db, key, requestHash({ user_id: userId, product_id: productId, amount }));
  }

  async get(id: number): Promise<Order | undefined> {
    const rows = await this.db.query<OrderRow>(`SELECT ${COLUMNS} FROM orders WHERE id = $1`, [id]);
    return rows[0] && toOrder(rows[0]);
  }

  /** Newest first; all users' orders when `userId` is undefined. */
  async list(userId: number | undefined, limit: number, offset: number): Promise<Order[]> {
    const rows =
      userId === undefined
        ? await this.db.query<OrderRow>(`SELECT ${COLUMNS} FROM orders ${NEWEST_FIRST} LIMIT $1 OFFSET $2`, [limit, offset])
        : await this.db.query<OrderRow>(
            `SELECT ${COLUMNS} FROM orders WHERE user_id = $1 ${NEWEST_FIRST} LIMIT $2 OFFSET $3`,
            [userId, limit, offset],
          );
    return rows.map(toOrder);
  }

  /** Moves a pending order to cancelled; undefined when it is not pending (or absent). */
  async cancel(id: number): Promise<Order | undefined> {
    const rows = await this.db.query<OrderRow>(
      `UPDATE orders SET status = 'cancelled' WHERE id = $1 AND status = 'pending' RETURNING ${COLUMNS}`,
      [id],
    );
    return rows[0] && toOrder(rows[0]);
  }
}
