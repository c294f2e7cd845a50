/**
 * The users store and handler on both databases the service runs on: PGlite (the embedded
 * default) and real PostgreSQL (`DATABASE_URL`). One behaviour suite runs once per kind, on the
 * service's real migrations and demo seed, so the two drivers are held to the same answers.
 *
 * Each test gets a database of its own, migrated and seeded (`freshDatabases`: a copy of one
 * prepared once per kind, since a PGlite first start costs seconds), so it sees the seed and its
 * own writes only, whatever ran before it.
 */
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { DataError, type Database, seedOnce } from "@gw/database";
import { type DatabaseKind, freshDatabases, pgliteKind, postgresKind, type SuiteDatabase } from "@gw/database/testing";
import { type HandlerOf, Server, type WireError } from "@gw/micro";
import { handlerTesting } from "@gw/micro/testing";
import { users } from "@gw/proto";
import { UsersService } from "./handler.js";
import { EmailTakenError, UserStore } from "./store.js";

/** Compiled tests run from dist/, a sibling of migrations/ and seeds/. */
const MIGRATIONS = fileURLToPath(new URL("../migrations/", import.meta.url));
const SEED = new URL("../seeds/demo.sql", import.meta.url);

const ALICE = { id: 1, email: "alice@example.com", name: "Alice" };
const BOB = { id: 2, email: "bob@example.com", name: "Bob" };
const CAROL = { id: 3, email: "carol@example.com", name: "Carol" };

/** The test's database and the seed text, with the store and the handler on that database. */
interface Fixture extends SuiteDatabase {
  readonly store: UserStore;
  /** Typed as the server sees it, so calls pass a context as the server does. */
  readonly handler: HandlerOf<typeof users>;
}

/** The fixture of one kind, or undefined when the test was skipped (PostgreSQL unreachable). */
type Open = (t: TestContext) => Promise<Fixture | undefined>;

/** A fresh database of `kind` for each test, migrated and seeded, with the store and handler on it. */
function suiteOf(kind: DatabaseKind): Open {
  const fresh = freshDatabases(kind, { migrations: MIGRATIONS, seed: SEED });
  return async (t) => {
    const prepared = await fresh(t);
    if (!prepared) return undefined;
    const store = new UserStore(prepared.db);
    return { ...prepared, store, handler: new UsersService(store) };
  };
}

/** Calls the handler with the context its server would give; checks its wire errors. */
const { context, rejectsWith } = handlerTesting("users", "UsersService");

async function count(db: Database): Promise<number> {
  const [row] = await db.query<{ n: number }>("SELECT count(*) AS n FROM users");
  return row?.n ?? -1;
}

function behaviour(kind: string, open: Open): void {
  test(`users - the demo seed adds users 1 to 3, and seeding again adds nothing (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    assert.deepEqual(await f.store.list(50, 0), [ALICE, BOB, CAROL]);
    assert.equal(await seedOnce(f.db, "demo", f.seed), false);
    assert.equal(await count(f.db), 3);
  });

  test(`users - get and list answer in id order, paged by limit and offset, with numeric ids (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const { user } = await f.handler.Get({ id: 2 }, context("Get"));
    assert.deepEqual(user, BOB);
    assert.equal(typeof user.id, "number");
    assert.deepEqual(await f.store.list(2, 0), [ALICE, BOB]);
    assert.deepEqual(await f.store.list(2, 1), [BOB, CAROL]);
    assert.deepEqual(await f.store.list(5, 3), []);
    // Without limit and offset the handler applies the defaults rather than passing undefined to SQL.
    assert.deepEqual(await f.handler.List({}, context("List")), { users: [ALICE, BOB, CAROL] });
    assert.deepEqual(await f.handler.List({ limit: 1, offset: 2 }, context("List")), { users: [CAROL] });
    assert.equal(await f.store.get(99), undefined);
    await rejectsWith(f.handler.Get({ id: 99 }, context("Get")), 404, "user_not_found");
  });

  test(`users - create continues the id sequence after the seeded ids (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const { user } = await f.handler.Create({ email: "dave@example.com", name: "Dave" }, context("Create"));
    assert.deepEqual(user, { id: 4, email: "dave@example.com", name: "Dave" });
    assert.equal(typeof user.id, "number");
    assert.deepEqual(await f.store.get(4), user);
  });

  test(`users - an email taken in any letter case is a 409 naming it, and nothing is added (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const before = await count(f.db);
    const create = f.handler.Create({ email: "ALICE@Example.com", name: "Other Alice" }, context("Create"));
    await rejectsWith(create, 409, "email_taken", /ALICE@Example\.com/);
    await assert.rejects(f.store.create("alice@example.com", "Alice Again"), EmailTakenError);
    assert.equal(await count(f.db), before);
  });

  test(`users - update changes only the given fields; taken email 409, no fields 400, missing 404 (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    assert.equal((await f.store.create("dave@example.com", "Dave")).id, 4);
    const renamed = await f.handler.Update({ id: 4, name: "David" }, context("Update"));
    assert.deepEqual(renamed, { user: { id: 4, email: "dave@example.com", name: "David" } });
    const moved = await f.handler.Update({ id: 4, email: "david@example.com" }, context("Update"));
    assert.deepEqual(moved, { user: { id: 4, email: "david@example.com", name: "David" } });
    // A user's own address in another case is not a conflict with itself.
    const recased = await f.handler.Update({ id: 4, email: "David@Example.com" }, context("Update"));
    assert.equal(recased.user.email, "David@Example.com");
    await rejectsWith(f.handler.Update({ id: 4, email: "Bob@Example.COM" }, context("Update")), 409, "email_taken", /Bob@Example\.COM/);
    await rejectsWith(f.handler.Update({ id: 4 }, context("Update")), 400, "nothing_to_update", /email, name/);
    await rejectsWith(f.handler.Update({ id: 404, name: "Nobody" }, context("Update")), 404, "user_not_found");
    assert.deepEqual(await f.store.get(4), { id: 4, email: "David@Example.com", name: "David" });
    assert.deepEqual(await f.store.get(2), BOB);
  });

  test(`users - a name the database cannot store is a DataError with a 400 from the handler, and a 400 from the contract at the Server (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    const isNulRefused = (error: unknown) => error instanceof DataError && error.status === 400 && error.code === "22021";
    // The handler called directly, as a caller that skipped validation would reach the store.
    await assert.rejects(f.handler.Update({ id: 2, name: "x\u0000" }, context("Update")), isNulRefused);
    await assert.rejects(f.handler.Create({ email: "nul@example.com", name: "x\u0000" }, context("Create")), isNulRefused);
    // Its specific mapping still comes first: a taken email is its 409 naming the address.
    await rejectsWith(f.handler.Update({ id: 2, email: "ALICE@example.com", name: "x" }, context("Update")), 409, "email_taken", /ALICE@example\.com/);
    const server = new Server({ name: "users" }).handle(users, f.handler);
    const body = Buffer.from(JSON.stringify({ id: 2, name: "x\u0000" }));
    const response = await server.serve({ service: "users", endpoint: "UsersService.Update", metadata: {}, deadline: Date.now() + 5000, body });
    const wire = JSON.parse(Buffer.from(response.body).toString()) as WireError;
    assert.deepEqual(wire, { id: "users", code: 400, detail: "name: must not contain control characters", status: "Bad Request", reason: "invalid_request" });
    assert.deepEqual(await f.store.get(2), BOB);
    assert.equal(await f.store.get(5), undefined);
  });

  test(`users - delete removes the user and frees its email; missing ids are 404 (${kind})`, async (t) => {
    const f = await open(t);
    if (!f) return;
    assert.equal((await f.store.create("david@example.com", "David")).id, 4);
    assert.deepEqual(await f.handler.Delete({ id: 4 }, context("Delete")), {});
    await rejectsWith(f.handler.Get({ id: 4 }, context("Get")), 404, "user_not_found");
    await rejectsWith(f.handler.Delete({ id: 4 }, context("Delete")), 404, "user_not_found");
    assert.equal(await f.store.delete(4), false);
    const again = await f.store.create("david@example.com", "David");
    assert.ok(again.id > 4, `a deleted id is not reused, got ${again.id}`);
    assert.deepEqual((await f.store.list(50, 0)).map((user) => user.id), [1, 2, 3, again.id]);
  });
}

for (const kind of [pgliteKind(), postgresKind()]) behaviour(kind.name, suiteOf(kind));
