/**
 * /products routes.
 */
import { type App, type GatewayDeps, callOptions, forward } from "../context.js";
import { ByIdOrPage, CreateProductBody, IdParams, PatchProductBody, num } from "../schemas.js";

export function productRoutes(app: App, { client }: GatewayDeps): void {
  app.get("/products", { schema: { querystring: ByIdOrPage } }, async (req, reply) => {
    const { id, limit, offset } = req.query;
    if (id !== undefined) return forward(reply, client.callEncoded("products", "ProductsService.Get", { id: Number(id) }, callOptions(req)));
    return forward(reply, client.callEncoded("products", "ProductsService.List", { limit: num(limit), offset: num(offset) }, callOptions(req)));
  });

  app.get("/products/:id", { schema: { params: IdParams } }, async (req, reply) =>
    forward(reply, client.callEncoded("products", "ProductsService.Get", { id: Number(req.params.id) }, callOptions(req))),
  );

  app.post("/products", { schema: { body: CreateProductBody } }, async (req, reply) => {
    return forward(reply, client.callEncoded("products", "ProductsService.Create", req.body, callOptions(req)), 201);
  });

  app.patch("/products/:id", { schema: { params: IdParams, body: PatchProductBody } }, async (req, reply) =>
    forward(reply, client.callEncoded("products", "ProductsService.Update", { id: Number(req.params.id), ...req.body }, callOptions(req))),
  );

  app.delete("/products/:id", { schema: { params: IdParams } }, async (req, reply) => {
    await client.call("products", "ProductsService.Delete", { id: Number(req.params.id) }, callOptions(req));
    return reply.code(204).send();
  });
}
