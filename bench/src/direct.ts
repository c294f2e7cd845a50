/**
 * The `direct` baseline, run as its own process: a bare node:http server (no Fastify, no gateway,
 * no RPC, no middleware) that answers the two benchmark routes with the same SQL the services run,
 * through the same client (`openPostgres`, named prepared statements, one pool of the default size
 * per service database). What the other configurations cost beyond this is the system's own.
 *
 * Environment: PORT, BENCH_USERS_URL, BENCH_PRODUCTS_URL, BENCH_ORDERS_URL.
 */
import { DEFAULT_POOL_SIZE, type Database } from "@gw/database";
import { openPostgres } from "@gw/database/postgres";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";

/** The services' statements, character for character (users, products and orders store.ts). */
const SELECT_USER = "SELECT id, email, name FROM users WHERE id = $1";
const SELECT_PRODUCT = "SELECT id, name, price, stock FROM products WHERE id = $1";
const INSERT_ORDER = "INSERT INTO orders (user_id, product_id, amount) VALUES ($1, $2, $3) RETURNING id, user_id, product_id, amount, status, created_at";

const MAX_BODY_BYTES = 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`direct: ${name} is required\n`);
    process.exit(1);
  }
  return value;
}

const [users, products, orders] = await Promise.all(
  ["BENCH_USERS_URL", "BENCH_PRODUCTS_URL", "BENCH_ORDERS_URL"].map((name) => openPostgres(env(name), DEFAULT_POOL_SIZE)),
) as [Database, Database, Database];

async function getUser(url: URL): Promise<[number, unknown]> {
  const id = positiveInteger(url.searchParams.get("id"), "id");
  const [user] = await users.query(SELECT_USER, [id]);
  if (!user) throw new HttpError(404, `user ${id} not found`);
  return [200, { user }];
}

async function createOrder(request: IncomingMessage): Promise<[number, unknown]> {
  const body = parse(await readBody(request));
  const userId = positiveInteger(body.user_id, "user_id");
  const productId = positiveInteger(body.product_id, "product_id");
  const amount = body.amount;
  if (typeof amount !== "number" || !(amount > 0)) throw new HttpError(400, "amount: expected a number above 0");
  // Both lookups at once, as OrdersService.Create makes its two RPCs at once.
  const [[user], [product]] = await Promise.all([users.query(SELECT_USER, [userId]), products.query(SELECT_PRODUCT, [productId])]);
  if (!user) throw new HttpError(422, `user ${userId} not found`);
  if (!product) throw new HttpError(422, `product ${productId} not found`);
  const [order] = await orders.query<{ created_at: Date }>(INSERT_ORDER, [userId, productId, amount]);
  if (!order) throw new Error("INSERT returned no row");
  return [201, { order: { ...order, created_at: order.created_at.toISOString() } }];
}

async function route(request: IncomingMessage): Promise<[number, unknown]> {
  const url = new URL(request.url ?? "/", "http://direct");
  if (request.method === "GET" && url.pathname === "/users") return getUser(url);
  if (request.method === "POST" && url.pathname === "/orders") return createOrder(request);
  if (request.method === "GET" && url.pathname === "/health") return [200, { status: "ok" }];
  throw new HttpError(404, `no route ${request.method} ${url.pathname}`);
}

function positiveInteger(raw: unknown, field: string): number {
  const value = typeof raw === "string" && /^[0-9]+$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) throw new HttpError(400, `${field}: expected a positive integer`);
  return value;
}

function parse(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Reported below, as any body that is not an object.
  }
  throw new HttpError(400, "body: expected a JSON object");
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, "body: larger than 1 MiB");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function handle(request: IncomingMessage, response: ServerResponse): void {
  route(request).then(
    ([status, body]) => send(response, status, body),
    (error: unknown) => {
      if (error instanceof HttpError) send(response, error.status, { detail: error.message });
      else {
        process.stderr.write(`direct: ${(error as Error).message}\n`);
        send(response, 500, { detail: "internal error" });
      }
    },
  );
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  response.end(text);
}

const server = createServer(handle);
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1");

process.once("SIGTERM", () => {
  server.close();
  server.closeIdleConnections();
  void Promise.all([users.close(), products.close(), orders.close()]).then(() => process.exit(0));
});
