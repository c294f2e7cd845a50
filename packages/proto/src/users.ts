/**
 * The users service contract: `UsersService.Get` and friends.
 */
import { Type, type Static } from "@sinclair/typebox";
import { defineService } from "@gw/micro";
import { Empty, Id, Limit, Offset, Text, strict } from "./common.js";

export const Email = Type.String({ format: "email", minLength: 3, maxLength: 254 });
export const UserName = Text({ minLength: 1, maxLength: 200 });

export const User = Type.Object({ id: Id, email: Email, name: UserName });
export type User = Static<typeof User>;

export const UserReply = Type.Object({ user: User });

export const users = defineService({
  name: "users",
  handler: "UsersService",
  endpoints: {
    Get: { request: Type.Object({ id: Id }, strict), response: UserReply, idempotent: true },
    List: {
      request: Type.Object({ limit: Type.Optional(Limit), offset: Type.Optional(Offset) }, strict),
      response: Type.Object({ users: Type.Array(User) }),
      idempotent: true,
    },
    Create: { request: Type.Object({ email: Email, name: UserName }, strict), response: UserReply },
    Update: {
      request: Type.Object({ id: Id, email: Type.Optional(Email), name: Type.Optional(UserName) }, strict),
      response: UserReply,
    },
    Delete: { request: Type.Object({ id: Id }, strict), response: Empty },
  },
});
