/**
 * /users routes: the seed's `GET /users?id=1`, and the rest of the users API.
 */
import { type App, type GatewayDeps, callOptions, forward } from "../context.js";
import { ByIdOrPage, CreateUserBody, IdParams, PatchUserBody, num } from "../schemas.js";

export function userRoutes(app: App, { client }: GatewayDeps): void {
  app.get("/users", { schema: { querystring: ByIdOrPage } }, async (req, reply) => {
    const { id, limit, offset } = req.query;
    if (id !== undefined) return forward(reply, client.callEncoded("users", "UsersService.Get", { id: Number(id) }, callOptions(req)));
    return forward(reply, client.callEncoded("users", "UsersService.List", { limit: num(limit), offset: num(offset) }, callOptions(req)));
  });

  app.get("/users/:id", { schema: { params: IdParams } }, async (req, reply) =>
    forward(reply, client.callEncoded("users", "UsersService.Get", { id: Number(req.params.id) }, callOptions(req))),
  );

  app.post("/users", { schema: { body: CreateUserBody } }, async (req, reply) => {
    return forward(reply, client.callEncoded("users", "UsersService.Create", req.body, callOptions(req)), 201);
  });

  app.patch("/users/:id", { schema: { params: IdParams, body: PatchUserBody } }, async (req, reply) =>
    forward(reply, client.callEncoded("users", "UsersService.Update", { id: Number(req.params.id), ...req.body }, callOptions(req))),
  );

  app.delete("/users/:id", { schema: { params: IdParams } }, async (req, reply) => {
    await client.call("users", "UsersService.Delete", { id: Number(req.params.id) }, callOptions(req));
    return reply.code(204).send();
  });
}
