/**
 * UsersService: the handler whose methods are the users endpoints, as in the seed's Go code.
 */
import { type CallContext, type HandlerOf, type RequestOf, badRequest, conflict, notFound } from "@gw/micro";
import { DEFAULT_LIST_LIMIT, type User, type users } from "@gw/proto";
import { EmailTakenError, type UserStore } from "./store.js";

const ID = "users";
const NOT_FOUND = { reason: "user_not_found" } as const;

type Api = HandlerOf<typeof users>;
type Req<K extends keyof Api> = RequestOf<typeof users, K>;

export class UsersService implements Api {
  constructor(private readonly store: UserStore) {}

  async Get({ id }: Req<"Get">, context: CallContext) {
    return { user: await this.found(id, await this.store.get(id, context)) };
  }

  async List({ limit, offset }: Req<"List">, context: CallContext) {
    return { users: await this.store.list(limit ?? DEFAULT_LIST_LIMIT, offset ?? 0, context) };
  }

  async Create({ email, name }: Req<"Create">, context: CallContext) {
    return { user: await this.taken(() => this.store.create(email, name, context)) };
  }

  async Update({ id, email, name }: Req<"Update">, context: CallContext) {
    if (email === undefined && name === undefined) throw badRequest(ID, "body: at least one of email, name is required", { reason: "nothing_to_update" });
    return { user: await this.found(id, await this.taken(() => this.store.update(id, { email, name }, context))) };
  }

  async Delete({ id }: Req<"Delete">, context: CallContext) {
    if (!(await this.store.delete(id, context))) throw notFound(ID, `user ${id} not found`, NOT_FOUND);
    return {};
  }

  private found(id: number, user: User | undefined): User {
    if (!user) throw notFound(ID, `user ${id} not found`, NOT_FOUND);
    return user;
  }

  private async taken<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof EmailTakenError) throw conflict(ID, error.message, { reason: "email_taken" });
      throw error;
    }
  }
}
