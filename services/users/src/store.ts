/**
 * The users store: the only code that knows the users table.
 */
import { type Database, isUniqueViolation } from "@gw/database";
import type { CallContext } from "@gw/micro";
import type { User } from "@gw/proto";

/** The email belongs to another user. */
export class EmailTakenError extends Error {
  constructor(readonly email: string) {
    super(`email ${email} is already taken`);
    this.name = "EmailTakenError";
  }
}

type UserRow = { id: number; email: string; name: string };

const COLUMNS = "id, email, name";

/** Each method takes the call it serves as `context`, so its SQL spans are children of that call's. */
export class UserStore {
  constructor(private readonly db: Database) {}

  async get(id: number, context?: CallContext): Promise<User | undefined> {
    const rows = await this.db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id], { context });
    return rows[0];
  }

  list(limit: number, offset: number, context?: CallContext): Promise<User[]> {
    return this.db.query<UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY id LIMIT $1 OFFSET $2`, [limit, offset], { context });
  }

  async create(email: string, name: string, context?: CallContext): Promise<User> {
    const rows = await this.write(email, () =>
      this.db.query<UserRow>(`INSERT INTO users (email, name) VALUES ($1, $2) RETURNING ${COLUMNS}`, [email, name], { context }),
    );
    return rows[0] as User;
  }

  /** Changes the given fields; undefined when there is no such user. */
  async update(id: number, fields: { email?: string | undefined; name?: string | undefined }, context?: CallContext): Promise<User | undefined> {
    const rows = await this.write(fields.email ?? "", () =>
      this.db.query<UserRow>(
        `UPDATE users SET email = COALESCE($2, email), name = COALESCE($3, name) WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, fields.email ?? null, fields.name ?? null],
        { context },
      ),
    );
    return rows[0];
  }

  /** True when a user was deleted. */
  async delete(id: number, context?: CallContext): Promise<boolean> {
    const rows = await this.db.query(`DELETE FROM users WHERE id = $1 RETURNING id`, [id], { context });
    return rows.length > 0;
  }

  private async write<T>(email: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isUniqueViolation(error)) throw new EmailTakenError(email);
      throw error;
    }
  }
}
