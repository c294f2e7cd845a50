/**
 * For the orders tests: the services the orders handler calls, for real. The users and products
 * handlers run on their own databases (migrated and seeded like their programs do), each on a real
 * `Server` behind an HTTP socket and registered in a `MemoryRegistry`; the client is built the way
 * `Service.client` builds it. Only the processes are left out. The databases themselves, of either
 * kind, come from `@gw/database/testing`. The orders program itself knows its peers by their
 * contracts only: the users and products packages are dev dependencies, for these tests.
 */
import { fileURLToPath } from "node:url";
import { after, type TestContext } from "node:test";
import type { Database } from "@gw/database";
import { type DatabaseKind, freshDatabases, migrateAndSeed } from "@gw/database/testing";
import { Client, type HandlerOf, MemoryRegistry, type RegisteredService, RoundRobinSelector, Server } from "@gw/micro";
import { HttpTransport } from "@gw/micro/http";
import { type orders, products, users } from "@gw/proto";
import { ProductsService } from "@gw/products/handler";
import { ProductStore } from "@gw/products/store";
import { UsersService } from "@gw/users/handler";
import { UserStore } from "@gw/users/store";
import { type OrdersClient, OrdersService } from "./handler.js";
import { OrderStore } from "./store.js";

/** Registrations outlive any suite, so only `deregister` takes a node away. */
const REGISTRATION_TTL_MS = 10 * 60_000;

/** One running peer service, to be taken down in steps. */
export interface Peer {
  /** Closes the socket but stays registered: callers still pick the node and are refused. */
  stopListening(): Promise<void>;
  /** Removes the node from the registry: callers find no node at all. */
  deregister(): Promise<void>;
}

export interface Peers {
  readonly users: Peer;
  readonly products: Peer;
  /** The client an `OrdersService` is constructed with. */
  readonly client: OrdersClient;
  /** Closes the client, the servers and the registry; the databases stay the caller's. */
  close(): Promise<void>;
}

/** Starts the users and products services on the given databases, migrated and seeded (see `suiteOf`). */
export async function startPeers(usersDb: Database, productsDb: Database): Promise<Peers> {
  const registry = new MemoryRegistry();
  const [usersPeer, productsPeer] = await Promise.all([
    serve(registry, new Server({ name: "users" }).handle(users, new UsersService(new UserStore(usersDb)))),
    serve(registry, new Server({ name: "products" }).handle(products, new ProductsService(new ProductStore(productsDb)))),
  ]);
  const client = new Client({
    contracts: [users, products] as const,
    selector: new RoundRobinSelector(registry),
    transport: new HttpTransport().client(),
  });
  return {
    users: usersPeer,
    products: productsPeer,
    client,
    async close() {
      await client.close();
      for (const peer of [usersPeer, productsPeer]) {
        await peer.deregister();
        await peer.stopListening();
      }
      await registry.close();
    },
  };
}

async function serve(registry: MemoryRegistry, server: Server): Promise<Peer> {
  const listener = await new HttpTransport().listen("127.0.0.1:0", server.serve);
  const registration: RegisteredService = {
    name: server.name,
    version: "test",
    endpoints: server.endpoints(),
    nodes: [{ id: `${server.name}-test`, address: listener.address, metadata: { transport: "http" } }],
  };
  await registry.register(registration, { ttlMs: REGISTRATION_TTL_MS });
  let listening = true;
  return {
    async stopListening() {
      if (!listening) return;
      listening = false;
      await listener.close(0);
    },
    deregister: () => registry.deregister(registration),
  };
}

/** Compiled tests run from dist/, a sibling of migrations/. */
const MIGRATIONS = fileURLToPath(new URL("../migrations/", import.meta.url));

export interface Fixture {
  readonly db: Database;
  readonly store: OrderStore;
  /** Typed as the server sees it, so calls pass a context as the server does. */
  readonly handler: HandlerOf<typeof orders>;
  readonly peers: Peers;
}

/** The fixture of one kind, or undefined when the test was skipped (PostgreSQL unreachable). */
export type Open = (t: TestContext) => Promise<Fixture | undefined>;

/** The users or products package's own migrations and demo seed, as its program uses them. */
function peerFiles(pkg: string): { migrations: string; seed: URL } {
  const packageRoot = new URL("../", import.meta.resolve(`${pkg}/handler`));
  return { migrations: fileURLToPath(new URL("migrations/", packageRoot)), seed: new URL("seeds/demo.sql", packageRoot) };
}

/**
 * For each test, a fresh orders database (a copy of one migrated once), the orders handler on it,
 * and the users and products services started afresh, closed after the test: no test sees another's
 * orders or a peer another took down. The peers' databases (migrated and seeded) are opened once
 * per suite: they only answer whether a user or product exists, and a copy each per test tripled
 * the cost of every test for nothing the orders store could see.
 */
export function suiteOf(kind: DatabaseKind): Open {
  let peerDbs: Promise<Database[]> | undefined;
  // Registered before freshDatabases' own hook, which removes what the kind made: hooks run in order.
  after(async () => {
    for (const db of (await peerDbs?.catch(() => undefined)) ?? []) await db.close();
  });
  const ordersDbs = freshDatabases(kind, { migrations: MIGRATIONS });
  const peerDb = async (pkg: string): Promise<Database> => {
    const db = await kind.open();
    const files = peerFiles(pkg);
    await migrateAndSeed(db, files.migrations, files.seed);
    return db;
  };
  return async (t) => {
    const ordersDb = await ordersDbs(t);
    if (!ordersDb) return undefined;
    peerDbs ??= Promise.all([peerDb("@gw/users"), peerDb("@gw/products")]);
    const [usersDb, productsDb] = (await peerDbs) as [Database, Database];
    const peers = await startPeers(usersDb, productsDb);
    t.after(() => peers.close());
    const store = new OrderStore(ordersDb.db);
    return { db: ordersDb.db, store, handler: new OrdersService(store, peers.client, { authEnabled: false }), peers };
  };
}
