/**
 * /products routes.
 */
import { type App, type GatewayDeps, callOptions } from "../context.js";
import { ByIdOrPage, CreateProductBody, IdParams, PatchProductBody, num } from "../schemas.js";

export function productRoutes(app: App, { client }: GatewayDeps): void {
  app.get("/products", { schema: { querystring: ByIdOrPage } }, async (req) => {
    const { id, limit, offset } = req.query;
    if (id !== undefined) return client.call("products", "ProductsService.Get", { id: Number(id) }, callOptions(req));
    return client.call("products", "ProductsService.List", { limit: num(limit), offset: num(offset) }, callOptions(req));
  });

  app.get("/products/:id", { schema: { params: IdParams } }, async (req) =>
    client.call("products", "ProductsService.Get", { id: Number(req.params.id) }, callOptions(req)),
  );

  app.post("/products", { schema: { body: CreateProductBody } }, async (req, reply) => {
    const created = await client.call("products", "ProductsService.Create", req.body, callOptions(req));
    return reply.code(201).send(created);
  });

  app.patch("/products/:id", { schema: { params: IdParams, body: PatchProductBody } }, async (req) =>
    client.call("products", "ProductsService.Update", { id: Number(req.params.id), ...req.body }, callOptions(req)),
  );

  app.delete("/products/:id", { schema: { params: IdParams } }, async (req, reply) => {
    await client.call("products", "ProductsService.Delete", { id: Number(req.params.id) }, callOptions(req));
    return reply.code(204).send();
  });
}
