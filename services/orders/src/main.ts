/**
 * The orders program: its database, a client for users and products, registered as `orders`.
 */
import { openServiceDatabase } from "@gw/database/bootstrap";
import { newService } from "@gw/micro";
import { orders, products, users } from "@gw/proto";
import { OrdersService } from "./handler.js";
import { readKeyExpiryConfig, startKeyExpiry } from "./key-expiry.js";
import { OrderStore } from "./store.js";

const service = await newService({ name: "orders", version: "1.0.0" });
const keyExpiry = readKeyExpiryConfig();
const db = await openServiceDatabase({
  service,
  migrations: new URL("../migrations/", import.meta.url),
});
const expiry = startKeyExpiry(db, keyExpiry, service.logger);
service.onStop(async () => expiry.stop());
const client = service.client([users, products] as const);
service.handle(orders, new OrdersService(new OrderStore(db), client, { authEnabled: service.authEnabled }));
await service.run();
