/**
 * The whole system in this process: users, products and orders as real `Service`s (real handlers
 * and stores on PGlite databases migrated and seeded as their programs do, a real TCP transport, a
 * memory registry), and the gateway's Fastify app in front of them, driven with `inject()` instead
 * of a socket. The contract suite runs against it as against the programs run as processes.
 */
import { fileURLToPath } from "node:url";
import type { Database } from "@gw/database";
import { migrateAndSeed, pgliteKind } from "@gw/database/testing";
import { Client, MemoryRegistry, RoundRobinSelector, Service, TcpTransport, createLogger } from "@gw/micro";
import { orders, products, users } from "@gw/proto";
import { buildGateway } from "@gw/gateway/app";
import type { App } from "@gw/gateway/context";
import { OrdersService } from "@gw/orders/handler";
import { OrderStore } from "@gw/orders/store";
import { ProductsService } from "@gw/products/handler";
import { ProductStore } from "@gw/products/store";
import { UsersService } from "@gw/users/handler";
import { UserStore } from "@gw/users/store";

export interface InProcess {
  readonly app: App;
  close(): Promise<void>;
}

/**
 * The gateway for the in-process contract, on `registry` and `transport`, with its client: all
 * the gateway's construction is in this one function, so a change to `buildGateway`'s options is
 * made here alone.
 */
export function inProcessGateway(registry: MemoryRegistry, transport: TcpTransport): { app: App; close(): Promise<void> } {
  const client = new Client({
    contracts: [users, products, orders] as const,
    selector: new RoundRobinSelector(registry),
    transport: transport.client(),
  });
  const app = buildGateway({ client, registry, logger: createLogger("gateway", "silent") });
  return {
    app,
    async close() {
      await app.close();
      await client.close();
    },
  };
}

/** Starts the three services on fresh seeded databases, and the gateway on them. */
export async function startInProcess(): Promise<InProcess> {
  const kind = pgliteKind();
  const registry = new MemoryRegistry();
  const transport = new TcpTransport();
  const databases: Database[] = [];
  const services: Service[] = [];
  const service = (name: string): Service => {
    const made = new Service({ name, version: "test", registry, transport, logger: createLogger(name, "silent"), registerTtlMs: 10 * 60_000 });
    services.push(made);
    return made;
  };
  const database = async (pkg: string, seeded: boolean): Promise<Database> => {
    const db = await kind.open();
    databases.push(db);
    const root = new URL("../", import.meta.resolve(`${pkg}/handler`));
    await migrateAndSeed(db, fileURLToPath(new URL("migrations/", root)), seeded ? new URL("seeds/demo.sql", root) : undefined);
    return db;
  };
  let gateway: ReturnType<typeof inProcessGateway> | undefined;
  const close = async (): Promise<void> => {
    await gateway?.close();
    for (const s of services.reverse()) await s.stop();
    for (const db of databases) await db.close();
    await registry.close();
    await kind.cleanup();
  };
  try {
    const [usersDb, productsDb, ordersDb] = await Promise.all([database("@gw/users", true), database("@gw/products", true), database("@gw/orders", false)]);
    const usersService = service("users").handle(users, new UsersService(new UserStore(usersDb)));
    const productsService = service("products").handle(products, new ProductsService(new ProductStore(productsDb)));
    const ordersService = service("orders");
    ordersService.handle(orders, new OrdersService(new OrderStore(ordersDb), ordersService.client([users, products] as const), { authEnabled: false }));
    for (const s of [usersService, productsService, ordersService]) await s.start();
    gateway = inProcessGateway(registry, transport);
    await gateway.app.ready();
    return { app: gateway.app, close };
  } catch (error) {
    await close();
    throw error;
  }
}
