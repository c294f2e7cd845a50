/**
 * Reconnection with real processes: the four programs on a private NATS (registry and transport)
 * and a private PostgreSQL (one database per service), which the tests stop and start again on
 * the same port. While a dependency is away calls answer 503 in the error shape, promptly, and
 * readiness names what is missing; once it is back, calls succeed again without restarting any
 * program. Private servers, because restarting the machine's shared ones would break every other
 * test running at the same time.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { NatsRegistry } from "@gw/micro/nats";
import { waitFor } from "@gw/micro/testing";
import { type Instance, System } from "./harness.js";
import { type Reply, isWireError, send } from "./http.js";
import { type NatsServer, type PostgresServer, missingServers, startNats, startPostgres } from "./servers.js";

type Json = Record<string, unknown>;

const SERVICES = ["users", "products", "orders"] as const;
const PROGRAMS: readonly Instance[] = [...SERVICES, "gateway"];

/** The programs' call deadline: a call that cannot be served must fail within about this. */
const CLIENT_TIMEOUT_MS = 2000;
/** No single request may take longer than this: past it the gateway hangs, which is a failure. */
const REQUEST_BOUND_MS = CLIENT_TIMEOUT_MS + 2000;
/** How long a lost dependency may take to show as 503. */
const OUTAGE_BOUND_MS = 10_000;
/** How long the programs may take to recover once the dependency is back. */
const RECOVERY_BOUND_MS = 30_000;
/**
 * How long each dependency stays away: past the registration TTL (3 s) and a refresh interval,
 * so registrations lapse or are withdrawn and recovery must re-register, as in a real restart.
 */
const OUTAGE_MS = 4500;

const ORDER = { user_id: 1, product_id: 100, amount: 2.5 };

/** `send`, failing the test when the reply does not come within REQUEST_BOUND_MS. */
async function bounded(base: string, method: string, path: string, json?: unknown): Promise<Reply> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${method} ${path}: no answer within ${REQUEST_BOUND_MS} ms (a hang)`)), REQUEST_BOUND_MS);
  });
  try {
    return await Promise.race([send(base, method, path, json), hung]);
  } finally {
    clearTimeout(timer);
  }
}

interface Polled {
  readonly reply: Reply;
  readonly ms: number;
  /** Every status seen, in order, so a test can say nothing but the expected ones came back. */
  readonly statuses: readonly number[];
  /** The distinct error details seen, which say what held recovery up. */
  readonly details: readonly string[];
}

/** Asks `probe` every 100 ms until `done` holds or `timeoutMs` passes; the last reply and the time taken. */
async function poll(probe: () => Promise<Reply>, done: (reply: Reply) => boolean, timeoutMs: number): Promise<Polled> {
  const started = Date.now();
  const statuses: number[] = [];
  const details = new Set<string>();
  let reply = await probe();
  const record = (r: Reply): boolean => {
    statuses.push(r.status);
    const detail = (r.body as Json | undefined)?.detail;
    if (typeof detail === "string") details.add(detail);
    return done(r);
  };
  if (!record(reply)) {
    // A probe that fails (a hang past its bound) ends the poll with that failure; a reply that never
    // came right is the caller's to judge: it gets the last one, not an exception.
    let failure: { error: unknown } | undefined;
    const next = async () => {
      try {
        return record((reply = await probe()));
      } catch (error) {
        failure = { error };
        return true;
      }
    };
    await waitFor(next, { timeoutMs, intervalMs: 100 }).catch(() => undefined);
    if (failure) throw failure.error;
  }
  return { reply, ms: Date.now() - started, statuses, details: [...details] };
}

/**
 * Until `until` (epoch ms), calls `probes` in turn; every reply must be a 503 in the error shape:
 * the outage is reported consistently, not only by the first call. Resolves how many were sent.
 */
async function steadyOutage(probes: ReadonlyArray<() => Promise<Reply>>, until: number): Promise<number> {
  let sent = 0;
  while (Date.now() < until) {
    const reply = await (probes[sent % probes.length] as () => Promise<Reply>)();
    sent++;
    assert.ok(isWireError(reply, 503), `while the dependency is away: ${reply.status} ${reply.text}`);
    assert.doesNotMatch(reply.text, /postgres:\/\/|nats:\/\/|stack|Error:/, "no internals in a 503");
    // Paced, not waiting for anything: the outage is sampled about ten times a second until `until`.
    await new Promise((r) => setTimeout(r, 100));
  }
  return sent;
}

function onlyStatuses(polled: Polled, allowed: readonly number[]): void {
  const other = polled.statuses.filter((s) => !allowed.includes(s));
  assert.deepEqual(other, [], `only ${allowed.join(" or ")} while the dependency is away: ${polled.statuses.join(",")}`);
}

const missing = await missingServers();
if (missing && process.env.CI === "true") {
  test("recovery - NATS and PostgreSQL are required on CI", () => {
    assert.fail(`${missing}; they are required when CI=true`);
  });
} else {
  describe("recovery - behaviour", { skip: missing ? `${missing} (CI=true makes this a failure)` : false }, () => {
    let nats: NatsServer | undefined;
    let postgres: PostgresServer | undefined;
    let system: System | undefined;

    const gateway = () => {
      assert.ok(system);
      return system;
    };
    const get = (path: string) => bounded(gateway().url, "GET", path);
    const order = () => bounded(gateway().url, "POST", "/orders", ORDER);
    const logs = () => PROGRAMS.map((n) => `--- ${n}\n${system?.output(n) ?? ""}`).join("\n");

    before(async () => {
      nats = await startNats();
      postgres = await startPostgres();
      const programEnv: Partial<Record<(typeof SERVICES)[number], Record<string, string>>> = {};
      for (const name of SERVICES) programEnv[name] = { DATABASE_URL: await postgres.createDatabase(name) };
      system = await System.start({
        env: {
          MICRO_REGISTRY: "nats",
          MICRO_REGISTRY_ADDRESS: nats.url,
          MICRO_TRANSPORT: "nats",
          MICRO_REGISTER_TTL_MS: "3000",
          MICRO_CLIENT_TIMEOUT_MS: String(CLIENT_TIMEOUT_MS),
        },
        programEnv,
      });
    });

    after(async () => {
      // A test that failed mid-outage leaves a server stopped: start it again, so the programs
      // deregister and exit cleanly instead of waiting on it; then the programs, then the servers.
      await Promise.allSettled([nats && !nats.running ? nats.start() : undefined, postgres && !postgres.running ? postgres.start() : undefined]);
      await system?.close();
      await Promise.allSettled([nats?.close(), postgres?.close()]);
    });

    test("recovery - a NATS restart: 503 while it is away, back without restarting any program", async (t) => {
      assert.ok(nats);
      assert.equal((await get("/users/1")).status, 200);

      await nats.stop();
      const stoppedAt = Date.now();
      const outage = await poll(() => get("/users/1"), (r) => r.status === 503, OUTAGE_BOUND_MS);
      assert.ok(isWireError(outage.reply, 503), `got ${outage.reply.status} ${outage.reply.text}`);
      onlyStatuses(outage, [200, 503]);
      t.diagnostic(`503 ${outage.ms} ms after NATS stopped`);
      // The gateway can still serve from the nodes it knows: ready, saying it is degraded.
      const ready = await poll(() => get("/ready"), (r) => (r.body as Json | undefined)?.status === "degraded", OUTAGE_BOUND_MS);
      assert.equal(ready.reply.status, 200, ready.reply.text);
      assert.match((ready.reply.body as Json).detail as string, /registry unreachable/);
      const sent = await steadyOutage([() => get("/users/1"), order], stoppedAt + OUTAGE_MS);
      t.diagnostic(`${sent} calls during the ${OUTAGE_MS} ms outage, all 503`);

      await nats.start();
      const users = await poll(() => get("/users/1"), (r) => r.status === 200, RECOVERY_BOUND_MS);
      assert.equal(users.reply.status, 200, `GET /users/1 after NATS came back: ${users.reply.text}\n${logs()}`);
      onlyStatuses(users, [200, 503]);
      const orders = await poll(order, (r) => r.status === 201, RECOVERY_BOUND_MS);
      assert.equal(orders.reply.status, 201, `POST /orders after NATS came back: ${orders.reply.text}\n${logs()}`);
      onlyStatuses(orders, [201, 503]);
      t.diagnostic(`recovered ${users.ms} ms after NATS started (GET /users/1), POST /orders ${orders.ms} ms later; meanwhile: ${users.details.join(" | ")}`);
      const readyAgain = await poll(() => get("/ready"), (r) => (r.body as Json | undefined)?.status === "ok", RECOVERY_BOUND_MS);
      assert.equal(readyAgain.reply.status, 200, readyAgain.reply.text);

      for (const name of PROGRAMS) assert.ok(gateway().running(name), `${name} still runs: never restarted`);
    });

    test("recovery - a PostgreSQL restart: 503 and readiness names the database while it is away, back without a restart", async (t) => {
      assert.ok(nats && postgres);
      assert.equal((await get("/users/1")).status, 200);
      // Read before the outage: a node that is not ready is deregistered, address and all.
      const admin = `http://${await adminAddress(nats.url, "users")}`;
      assert.equal((await bounded(admin, "GET", "/ready")).status, 200);

      await postgres.stop();
      const stoppedAt = Date.now();
      const outage = await poll(() => get("/users/1"), (r) => r.status === 503, OUTAGE_BOUND_MS);
      assert.ok(isWireError(outage.reply, 503), `got ${outage.reply.status} ${outage.reply.text}`);
      onlyStatuses(outage, [200, 503]);
      t.diagnostic(`503 ${outage.ms} ms after PostgreSQL stopped`);
      const ready = await poll(() => bounded(admin, "GET", "/ready"), (r) => r.status === 503, OUTAGE_BOUND_MS);
      assert.ok(isWireError(ready.reply, 503), ready.reply.text);
      assert.match((ready.reply.body as Json).detail as string, /database/);
      assert.doesNotMatch(ready.reply.text, /postgres:\/\/|127\.0\.0\.1/, "no connection string in a reply");
      const sent = await steadyOutage([() => get("/users/1"), order], stoppedAt + OUTAGE_MS);
      t.diagnostic(`${sent} calls during the ${OUTAGE_MS} ms outage, all 503`);
      const stillDown = await bounded(admin, "GET", "/ready");
      assert.ok(isWireError(stillDown, 503), `users /ready while PostgreSQL is still away: ${stillDown.text}`);

      await postgres.start();
      const users = await poll(() => get("/users/1"), (r) => r.status === 200, RECOVERY_BOUND_MS);
      assert.equal(users.reply.status, 200, `GET /users/1 after PostgreSQL came back: ${users.reply.text}\n${logs()}`);
      onlyStatuses(users, [200, 503]);
      const orders = await poll(order, (r) => r.status === 201, RECOVERY_BOUND_MS);
      assert.equal(orders.reply.status, 201, `POST /orders after PostgreSQL came back: ${orders.reply.text}\n${logs()}`);
      onlyStatuses(orders, [201, 503]);
      t.diagnostic(`recovered ${users.ms} ms after PostgreSQL started (GET /users/1), POST /orders ${orders.ms} ms later; meanwhile: ${users.details.join(" | ")}`);
      assert.equal((await bounded(admin, "GET", "/ready")).status, 200);

      for (const name of PROGRAMS) assert.ok(gateway().running(name), `${name} still runs: never restarted`);
    });
  });
}

/** A service's admin address, from its registration on the private NATS. */
async function adminAddress(natsUrl: string, service: string): Promise<string> {
  const registry = new NatsRegistry({ servers: natsUrl });
  try {
    const node = (await registry.getService(service))[0]?.nodes[0];
    assert.ok(node?.metadata.admin, `${service} advertises its admin address`);
    return node.metadata.admin;
  } finally {
    await registry.close();
  }
}
