/**
 * The products store: the only code that knows the products table.
 */
import type { Database } from "@gw/database";
import type { Product } from "@gw/proto";

const COLUMNS = "id, name, price, stock";

export interface ProductChanges {
  readonly name?: string | undefined;
  readonly price?: number | undefined;
  readonly stock?: number | undefined;
}

export class ProductStore {
  constructor(private readonly db: Database) {}

  async get(id: number): Promise<Product | undefined> {
    const rows = await this.db.query<Product>(`SELECT ${COLUMNS} FROM products WHERE id = $1`, [id]);
    return rows[0];
  }

  list(limit: number, offset: number): Promise<Product[]> {
    return this.db.query<Product>(`SELECT ${COLUMNS} FROM products ORDER BY id LIMIT $1 OFFSET $2`, [limit, offset]);
  }

  async create(name: string, price: number, stock: number): Promise<Product> {
    const rows = await this.db.query<Product>(
      `INSERT INTO products (name, price, stock) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
      [name, price, stock],
    );
    return rows[0] as Product;
  }

  /** Changes the given fields; undefined when there is no such product. */
  async update(id: number, changes: ProductChanges): Promise<Product | undefined> {
    const rows = await this.db.query<Product>(
      `UPDATE products SET name = COALESCE($2, name), price = COALESCE($3, price), stock = COALESCE($4, stock)
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, changes.name ?? null, changes.price ?? null, changes.stock ?? null],
    );
    return rows[0];
  }

  /** True when a product was deleted. */
  async delete(id: number): Promise<boolean> {
    const rows = await this.db.query(`DELETE FROM products WHERE id = $1 RETURNING id`, [id]);
    return rows.length > 0;
  }
}
