/**
 * `npm start` as a user runs it: the launcher builds, starts the four programs with prefixed
 * logs, says when the gateway is ready, serves the seed's curl commands, and on Ctrl-C
 * (SIGINT) stops every program and exits 0. It is a development setup: no rate limits unless
 * asked for. It announces ready only for its own gateway, and says which program could not start.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { waitFor } from "@gw/micro/testing";
import { ROOT, System, freePort } from "./harness.js";
import { send } from "./http.js";
import { meaningfulLines, runStart } from "./launch.js";

/** The programs' own default budget (RATE_LIMIT_MAX): what `npm start` used to enforce. */
const PRODUCTION_RATE_LIMIT_MAX = 100;

test("start - npm start brings the system up, prefixes logs, and Ctrl-C stops everything", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gw-start-"));
  const port = await freePort();
  const launcher = spawn(process.execPath, [join(ROOT, "scripts", "start.mjs")], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", PORT: String(port), DATA_DIR: join(dir, "data"), MICRO_REGISTRY_ADDRESS: join(dir, "registry") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  launcher.stdout.on("data", (c: Buffer) => (output += c.toString()));
  launcher.stderr.on("data", (c: Buffer) => (output += c.toString()));
  let gone = false;
  const exited = new Promise<number | null>((resolve) =>
    launcher.once("exit", (code) => {
      gone = true;
      resolve(code);
    }),
  );
  try {
    // Until it says ready or exits; the assertion below tells which.
    await waitFor(() => gone || /ready in [\d.]+ s: http:\/\/localhost:\d+/.test(output), { timeoutMs: 90_000, intervalMs: 100 }).catch(() => undefined);
    assert.match(output, /ready in [\d.]+ s/, output);
    for (const name of ["users", "products", "orders", "gateway"]) {
      assert.match(output, new RegExp(`${name}\\s*\\x1b\\[0m│ .*(serving|listening)`), `${name} logged with its prefix`);
    }
    const base = `http://127.0.0.1:${port}`;
    const user = await send(base, "GET", "/users?id=1");
    assert.equal(user.status, 200);
    const order = await send(base, "POST", "/orders", { user_id: 1, product_id: 100, amount: 99.99 });
    assert.equal(order.status, 201);

    launcher.kill("SIGINT");
    assert.equal(await exited, 0, output);
    assert.doesNotMatch(output, /exited \(code [1-9]/);
    await assert.rejects(send(base, "GET", "/health"), "the gateway is gone");
  } finally {
    launcher.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  }
});

test("start - a SIGTERM to the npm start process stops every program", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gw-start-npm-"));
  const port = await freePort();
  const registry = join(dir, "registry");
  const npm = spawn("npm", ["start"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? dir, PORT: String(port), DATA_DIR: join(dir, "data"), MICRO_REGISTRY_ADDRESS: registry },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so that whatever the outcome the whole tree can be removed at the end.
    detached: true,
  });
  let output = "";
  npm.stdout.on("data", (c: Buffer) => (output += c.toString()));
  npm.stderr.on("data", (c: Buffer) => (output += c.toString()));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(() => npm.exitCode !== null || /ready in/.test(output), { timeoutMs: 90_000, intervalMs: 100 }).catch(() => undefined);
    assert.match(output, /ready in/, output);
    npm.kill("SIGTERM");
    let registered = await registeredNodes(registry);
    let live = true;
    const stopped = async () => {
      registered = await registeredNodes(registry);
      live = await send(base, "GET", "/health").then(() => true, () => false);
      return registered === 0 && !live;
    };
    await waitFor(stopped, { timeoutMs: 15_000, intervalMs: 200 }).catch(() => undefined);
    assert.equal(live, false, "the gateway stopped");
    assert.equal(registered, 0, "every service stopped and deregistered");
  } finally {
    try {
      process.kill(-(npm.pid as number), "SIGKILL");
    } catch {
      // The group is already gone, as it should be.
    }
    npm.stdout.destroy();
    npm.stderr.destroy();
    await rm(dir, { recursive: true, force: true });
  }
});

/** Node files in the local registry folder: a service that stopped cleanly removed its own. */
async function registeredNodes(registry: string): Promise<number> {
  let count = 0;
  for (const service of await readdir(registry).catch(() => [] as string[])) {
    count += (await readdir(join(registry, service)).catch(() => [] as string[])).filter((f) => f.endsWith(".json")).length;
  }
  return count;
}

/** What a user's `npm start` has in its environment: a private port and folders, nothing else. */
async function startEnv(dir: string, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return { PORT: String(await freePort()), DATA_DIR: join(dir, "data"), MICRO_REGISTRY_ADDRESS: join(dir, "registry"), ...extra };
}

test("start - npm start has no rate limit: 1,000 reads and 500 creations in a row get no 429", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "gw-start-limit-"));
  const env = await startEnv(dir);
  const launcher = runStart([], env);
  try {
    await launcher.waitFor(/ready in [\d.]+ s/);
    const base = `http://127.0.0.1:${env.PORT}`;
    const statuses = new Map<number, number>();
    let limited = 0;
    const count = (reply: { status: number; headers: Record<string, unknown> }) => {
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      if (reply.headers["ratelimit-policy"] !== undefined) limited++;
    };
    const started = Date.now();
    for (let i = 0; i < 1000; i++) count(await send(base, "GET", "/users?id=1"));
    for (let i = 0; i < 500; i++) count(await send(base, "POST", "/users", { email: `loop-${i}@example.com`, name: `Loop ${i}` }));
    const perSecond = Math.round(1500 / ((Date.now() - started) / 1000));
    t.diagnostic(`${perSecond} requests/s in a row, against the programs' default limit of ${PRODUCTION_RATE_LIMIT_MAX}/s`);
    assert.deepEqual(Object.fromEntries(statuses), { 200: 1000, 201: 500 });
    // At any speed: a slow machine must not pass this test by staying under the limit.
    assert.equal(limited, 0, "no reply carries a rate limit policy");
  } finally {
    await launcher.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test("start - RATE_LIMIT=on in the environment still turns the limits on under npm start", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gw-start-limit-on-"));
  // The gateway alone is enough: the limit answers before any backend is asked.
  const env = await startEnv(dir, { RATE_LIMIT: "on", RATE_LIMIT_MAX: "5", LOG_LEVEL: "warn" });
  const launcher = runStart(["gateway"], env);
  try {
    const base = `http://127.0.0.1:${env.PORT}`;
    await waitFor(async () => launcher.child.exitCode !== null || (await send(base, "GET", "/health").then((r) => r.status, () => 0)) === 200, {
      timeoutMs: 90_000,
      intervalMs: 100,
    });
    assert.equal(launcher.child.exitCode, null, launcher.stdout() + launcher.stderr());
    const replies = await Promise.all(Array.from({ length: 20 }, () => send(base, "GET", "/users?id=1")));
    assert.ok(replies.some((r) => r.status === 429), `statuses: ${replies.map((r) => r.status).join(" ")}`);
    assert.match(String(replies[0]?.headers["ratelimit-policy"]), /q=5;/);
  } finally {
    await launcher.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test("start - a second npm start -- gateway while one runs says why in one line and exits 1, never ready", async () => {
  const first = await System.start();
  const second = runStart(["gateway"], { PORT: String(first.port), DATA_DIR: join(first.dir, "data"), MICRO_REGISTRY_ADDRESS: join(first.dir, "registry") });
  try {
    assert.equal(await second.exited, 1, second.stdout() + second.stderr());
    assert.doesNotMatch(second.stdout(), /ready in [\d.]+ s/, "the first gateway's /ready is not this launcher's");
    assert.deepEqual(meaningfulLines(second.stderr()), [
      `npm start: gateway could not start: cannot listen on 127.0.0.1:${first.port}: address already in use; is another gateway running? set PORT to a free port`,
    ]);
    assert.equal((await send(first.url, "GET", "/users?id=1")).status, 200, "the first system is untouched");
  } finally {
    await second.stop();
    await first.close();
  }
});
