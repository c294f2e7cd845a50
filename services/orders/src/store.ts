/**
 * The orders store: the only code that knows the orders table.
 */
import type { Database } from "@gw/database";
import type { Order } from "@gw/proto";

type OrderRow = Omit<Order, "created_at"> & { created_at: Date };

const COLUMNS = "id, user_id, product_id, amount, status, created_at";
const NEWEST_FIRST = "ORDER BY created_at DESC, id DESC";

function toOrder(row: OrderRow): Order {
  return { ...row, created_at: row.created_at.toISOString() };
}

export class OrderStore {
  constructor(private readonly db: Database) {}

  async create(userId: number, productId: number, amount: number): Promise<Order> {
    const rows = await this.db.query<OrderRow>(
      `INSERT INTO orders (user_id, product_id, amount) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
      [userId, productId, amount],
    );
    return toOrder(rows[0] as OrderRow);
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
