/**
 * The products program: its database, its handler, registered as `products`.
 */
import { openServiceDatabase } from "@gw/database/bootstrap";
import { newService } from "@gw/micro";
import { products } from "@gw/proto";
import { ProductsService } from "./handler.js";
import { ProductStore } from "./store.js";

const service = await newService({ name: "products", version: "1.0.0" });
const db = await openServiceDatabase({
  service,
  migrations: new URL("../migrations/", import.meta.url),
  seed: new URL("../seeds/demo.sql", import.meta.url),
});
service.handle(products, new ProductsService(new ProductStore(db)));
await service.run();
