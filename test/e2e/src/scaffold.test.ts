/**
 * `npm run micro -- new payments` on a copy of the repository, then `npm start` there: with no file
 * edited by hand, the new service builds, starts beside the others and answers through the
 * gateway. The copy holds the tracked sources (git ls-files) and installs from the lockfile, as a
 * fresh clone would, so nothing here touches this checkout; it runs on its own port and data folder.
 */
import assert from "node:assert/strict";
import { Validator } from "@seriousme/openapi-schema-validator";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { ROOT, freePort } from "./harness.js";
import { send } from "./http.js";

/** Four PGlite first starts (initdb each) on a machine shared with other runs take a while. */
const READY_TIMEOUT_MS = 300_000;
const STOP_TIMEOUT_MS = 20_000;

/** Runs a command in `cwd` to its end; fails the test with its output when it does not exit 0. */
function run(cwd: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  assert.equal(result.status, 0, `${command} ${args.join(" ")} failed (${result.error?.message ?? `exit ${result.status}`})\n${output}`);
  return output;
}

/** The repository's tracked files, copied under `dir`. */
function copyTrackedFiles(dir: string): void {
  const listed = spawnSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  assert.equal(listed.status, 0, `git ls-files: ${listed.stderr ?? listed.error?.message}`);
  const files = listed.stdout.split("\0").filter((f) => f !== "");
  assert.ok(files.includes("scripts/start.mjs"), "git ls-files lists the sources");
  for (const file of files) {
    // A file deleted in the working tree but not yet in the index is listed without existing.
    if (!existsSync(join(ROOT, file))) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(ROOT, file), join(dir, file));
  }
}

/**
 * Stops `npm start` and everything under it: npm, its shell and the launcher share the process
 * group the child was started in, and the launcher stops its programs on SIGTERM.
 */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), s);
    } catch {
      // Already gone.
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
  // The launcher may be re-parented once npm is gone; whatever is left of the group goes too.
  signal("SIGKILL");
}

test("scaffold - micro new payments, then npm start: the new service builds, starts and answers through the gateway", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "gw-scaffold-"));
  let start: ChildProcess | undefined;
  t.after(async () => {
    if (start) await stopGroup(start);
    await rm(dir, { recursive: true, force: true });
  });

  copyTrackedFiles(dir);
  run(dir, "npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"]);

  const made = run(dir, "npm", ["run", "micro", "--", "new", "payments"]);
  assert.match(made, /created services\/payments/);
  for (const file of ["src/contract.ts", "src/handler.ts", "src/store.ts", "src/main.ts", "src/payments.test.ts", "package.json", "tsconfig.json"]) {
    assert.ok(existsSync(join(dir, "services", "payments", file)), `services/payments/${file}`);
  }
  // The scaffold left every generated file as the list of services gives it, and the lockfile
  // holds the new workspace (npm ci refuses a lockfile out of step with package.json).
  run(dir, process.execPath, [join(dir, "cli", "dist", "main.js"), "generate", "--check"]);
  run(dir, "npm", ["ls", "@gw/payments"]);
  // A second service of the same name is refused in one line, and nothing is changed.
  const again = spawnSync("npm", ["run", "-s", "micro", "--", "new", "payments"], { cwd: dir, encoding: "utf8" });
  assert.equal(again.status, 1);
  assert.match(again.stderr, /^micro new: services\/payments already exists; choose another name$/m);

  const port = await freePort();
  let output = "";
  start = spawn("npm", ["start"], {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? dir, PORT: String(port), DATA_DIR: join(dir, "data"), MICRO_REGISTRY_ADDRESS: join(dir, "registry"), LOG_FORMAT: "json", LOG_LEVEL: "warn" },
  });
  start.stdout?.on("data", (c: Buffer) => (output += c.toString()));
  start.stderr?.on("data", (c: Buffer) => (output += c.toString()));
  const child = start;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!/ready in [\d.]+ s/.test(output)) {
    assert.ok(child.exitCode === null && child.signalCode === null, `npm start exited before ready\n${output}`);
    assert.ok(Date.now() < deadline, `npm start not ready after ${READY_TIMEOUT_MS / 1000} s\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const url = `http://127.0.0.1:${port}`;

  // Through /rpc, which reaches any registered service (so npm start ran the new one): passes
  // with today's gateway.
  const rpc = await send(url, "POST", "/rpc", { service: "payments", endpoint: "PaymentsService.Call", request: { name: "x" } });
  assert.equal(rpc.status, 200, rpc.text);
  assert.deepEqual(rpc.body, { message: "Hello x" });
  const refused = await send(url, "POST", "/rpc", { service: "payments", endpoint: "PaymentsService.Call", request: { name: "x", extra: 1 } });
  assert.equal(refused.status, 400, refused.text);

  // Through the route the contract declares, and in the API documents: these need the gateway to
  // build its routes from the registry.
  const call = await send(url, "POST", "/payments/call", { name: "x" });
  assert.equal(call.status, 200, call.text);
  assert.deepEqual(call.body, { message: "Hello x" });
  const openapi = await send(url, "GET", "/openapi.json");
  assert.equal(openapi.status, 200, openapi.text);
  assert.ok(Object.hasOwn((openapi.body as { paths?: Record<string, unknown> }).paths ?? {}, "/payments/call"), "openapi.json lists /payments/call");
  const validation = await new Validator().validate(openapi.body as Record<string, unknown>);
  assert.equal(validation.valid, true, JSON.stringify(validation.errors));
});
