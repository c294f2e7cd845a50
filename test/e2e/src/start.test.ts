/**
 * `npm start` as a user runs it: the launcher builds, starts the four programs with prefixed
 * logs, says when the gateway is ready, serves the seed's curl commands, and on Ctrl-C
 * (SIGINT) stops every program and exits 0.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, freePort } from "./harness.js";
import { send } from "./http.js";

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
    const deadline = Date.now() + 90_000;
    while (!/ready in [\d.]+ s: http:\/\/localhost:\d+/.test(output) && Date.now() < deadline && !gone) {
      await new Promise((r) => setTimeout(r, 100));
    }
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
