/**
 * UsersService: the handler whose methods are the users endpoints, as in the seed's Go code.
 */
import { type HandlerOf, type RequestOf, badRequest, conflict, notFound } from "@gw/micro";
import { DEFAULT_LIST_LIMIT, type User, type users } from "@gw/proto";
import { EmailTakenError, type UserStore } from "./store.js";

const ID = "users";

type Api = HandlerOf<typeof users>;
type Req<K extends keyof Api> = RequestOf<typeof users, K>;

export class UsersService implements Api {
  constructor(private readonly store: UserStore) {}

  async Get({ id }: Req<"Get">) {
    return { user: await this.found(id, await this.store.get(id)) };
  }

  async List({ limit, offset }: Req<"List">) {
    return { users: await this.store.list(limit ?? DEFAULT_LIST_LIMIT, offset ?? 0) };
  }

  async Create({ email, name }: Req<"Create">) {
    return { user: await this.taken(() => this.store.create(email, name)) };
  }

  async Update({ id, email, name }: Req<"Update">) {
    if (email === undefined && name === undefined) throw badRequest(ID, "body: at least one of email, name is required");
    return { user: await this.found(id, await this.taken(() => this.store.update(id, { email, name }))) };
  }

  async Delete({ id }: Req<"Delete">) {
    if (!(await this.store.delete(id))) throw notFound(ID, `user ${id} not found`);
    return {};
  }

  private found(id: number, user: User | undefined): User {
    if (!user) throw notFound(ID, `user ${id} not found`);
    return user;
  }

  private async taken<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof EmailTakenError) throw conflict(ID, error.message);
      throw error;
    }
  }
}
