/**
 * The users program: its database, its handler, registered as `users`.
 */
import { openServiceDatabase } from "@gw/database/bootstrap";
import { newService } from "@gw/micro";
import { users } from "@gw/proto";
import { UsersService } from "./handler.js";
import { UserStore } from "./store.js";

const service = await newService({ name: "users", version: "1.0.0" });
const db = await openServiceDatabase({
  service,
  migrations: new URL("../migrations/", import.meta.url),
  seed: new URL("../seeds/demo.sql", import.meta.url),
});
service.handle(users, new UsersService(new UserStore(db)));
await service.run();
