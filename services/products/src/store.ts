/**
 * The products store: the only code that knows the products table.
 */
import type { Database } from "@gw/database";
import type { CallContext } from "@gw/micro";
import type { Product } from "@gw/proto";

const COLUMNS = "id, name, price, stock";

export interface ProductChanges {
  readonly name?: string | undefined;
  readonly price?: number | undefined;
  readonly stock?: number | undefined;
}

/** Each method takes the call it serves as `context`, so its SQL spans are children of that call's. */
export class ProductStore {
  constructor(private readonly db: Database) {}

  async get(id: number, context?: CallContext): Promise<Product | undefined> {
    const rows = await this.db.query<Product>(`SELECT ${COLUMNS} FROM products WHERE id = $1`, [id], { context });
    return rows[0];
  }

  list(limit: number, offset: number, context?: CallContext): Promise<Product[]> {
    return this.db.query<Product>(`SELECT ${COLUMNS} FROM products ORDER BY id LIMIT $1 OFFSET $2`, [limit, offset], { context });
  }

  async create(name: string, price: number, stock: number, context?: CallContext): Promise<Product> {
    const rows = await this.db.query<Product>(
      `INSERT INTO products (name, price, stock) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
      [name, price, stock],
      { context },
    );
    return rows[0] as Product;
  }

  /** Changes the given fields; undefined when there is no such product. */
  async update(id: number, changes: ProductChanges, context?: CallContext): Promise<Product | undefined> {
    const rows = await this.db.query<Product>(
      `UPDATE products SET name = COALESCE($2, name), price = COALESCE($3, price), stock = COALESCE($4, stock)
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, changes.name ?? null, changes.price ?? null, changes.stock ?? null],
      { context },
    );
    return rows[0];
  }

  /** True when a product was deleted. */
  async delete(id: number, context?: CallContext): Promise<boolean> {
    const rows = await this.db.query(`DELETE FROM products WHERE id = $1 RETURNING id`, [id], { context });
    return rows.length > 0;
  }
}
