/**
 * The users service contract: `UsersService.Get` and friends.
 */
import { Type, type Static } from "@sinclair/typebox";
import { defineService } from "@gw/micro";
import { ADMIN_ROLE } from "./access.js";
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
    Get: {
      request: Type.Object({ id: Id }, strict),
      response: UserReply,
      idempotent: true,
      // The seed's `GET /users?id=1`, and the same read by path.
      http: [{ method: "GET", path: "/users", when: ["id"] }, { method: "GET", path: "/users/{id}" }],
      auth: { self: "id" },
      summary: "Reads one user",
      examples: [{ request: { id: 1 }, response: { user: { id: 1, email: "alice@example.com", name: "Alice" } } }],
    },
    List: {
      request: Type.Object({ limit: Type.Optional(Limit), offset: Type.Optional(Offset) }, strict),
      response: Type.Object({ users: Type.Array(User) }),
      idempotent: true,
      http: [{ method: "GET", path: "/users" }],
      auth: { role: ADMIN_ROLE },
      summary: "Lists users in id order",
      examples: [{ request: { limit: 2, offset: 0 } }],
    },
    Create: {
      request: Type.Object({ email: Email, name: UserName }, strict),
      response: UserReply,
      http: [{ method: "POST", path: "/users", status: 201 }],
      auth: { role: ADMIN_ROLE },
      summary: "Creates a user",
      description: "Emails are unique, compared without regard to case: a second user with the same email is a 409.",
      examples: [{ request: { email: "alice@example.com", name: "Alice" } }],
    },
    Update: {
      // At least one field besides the id: a patch that changes nothing is a mistake.
      request: Type.Object({ id: Id, email: Type.Optional(Email), name: Type.Optional(UserName) }, { ...strict, minProperties: 2 }),
      response: UserReply,
      http: [{ method: "PATCH", path: "/users/{id}" }],
      auth: { self: "id" },
      summary: "Changes a user's email or name",
      examples: [{ request: { id: 1, name: "Alice Liddell" } }],
    },
    Delete: {
      request: Type.Object({ id: Id }, strict),
      response: Empty,
      http: [{ method: "DELETE", path: "/users/{id}" }],
      auth: { role: ADMIN_ROLE },
      summary: "Deletes a user",
    },
  },
});
