/**
 * Registration needs a credential, with the programs as real processes: the four programs on a
 * NATS that requires a password over TLS serve the seed's requests, while a program without the
 * credential, or with a registry folder other users can write, stops at start with one line
 * saying why, instead of retrying in silence or trusting what a rogue node wrote.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, describe, test } from "node:test";
import { makeCertificates } from "@gw/micro/nats/testing";
import { type PrivateNats, natsServerBinary, startPrivateNats } from "@gw/micro/nats/testing";
import { requireOrSkip } from "@gw/micro/testing";
import { type Program, ROOT, System, entryOf, freePort } from "./harness.js";
import { send } from "./http.js";

const PASSWORD = "programs-nats-password";
const AUTHORIZATION = 'authorization { users = [ { user: "programs", password: "programs-nats-password" } ] }';
/** Long enough for a service's first PGlite start before its registry check. */
const EXIT_TIMEOUT_MS = 60_000;

async function scratch(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "gw-trust-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function nats(t: TestContext, config: string, dir?: string): Promise<PrivateNats | undefined> {
  if (!requireOrSkip(t, natsServerBinary() !== undefined, "nats-server is not installed (PATH or /usr/sbin)")) return undefined;
  const server = await startPrivateNats(config, { dir });
  t.after(() => server.close());
  return server;
}

/** Runs one program until it exits by itself; its exit code and what it wrote to stderr. */
async function runUntilExit(program: Program, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [join(ROOT, entryOf(program))], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", PORT: String(await freePort()), AUTH: "off", LOG_LEVEL: "silent", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), EXIT_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  clearTimeout(timer);
  return { code, stderr };
}

describe("registration - needs a credential", () => {
  test("registration - a gateway whose registry folder other users can write stops with one line naming it", async (t) => {
    const registry = join(await scratch(t), "registry");
    await mkdir(registry);
    await chmod(registry, 0o777);
    const { code, stderr } = await runUntilExit("gateway", { MICRO_REGISTRY: "local", MICRO_REGISTRY_ADDRESS: registry });
    const uid = process.getuid?.() ?? 0;
    const line = `gateway: local registry: ${registry} is writable by other users (mode 0777); it must be owned by uid ${uid} and writable by its owner only\n`;
    assert.deepEqual({ code, stderr }, { code: 1, stderr: line });
  });

  test("registration - a gateway and a service without the NATS credential stop with one line naming NATS authorization", async (t) => {
    const server = await nats(t, AUTHORIZATION);
    if (!server) return;
    const line = (program: string) => `${program}: nats registry: NATS authorization failed at ${server.url}: Authorization Violation\n`;
    const env = { MICRO_REGISTRY: "nats", MICRO_REGISTRY_ADDRESS: server.url };
    assert.deepEqual(await runUntilExit("gateway", env), { code: 1, stderr: line("gateway") });
    const wrong = { ...env, MICRO_NATS_USER: "programs", MICRO_NATS_PASSWORD: "not-the-password", DATA_DIR: join(await scratch(t), "data") };
    const users = await runUntilExit("users", wrong);
    assert.deepEqual(users, { code: 1, stderr: line("users") });
    assert.ok(!users.stderr.includes("not-the-password"));
  });

  test("registration - the four programs on a NATS requiring a password over TLS serve the seed's requests", async (t) => {
    if (!requireOrSkip(t, natsServerBinary() !== undefined, "nats-server is not installed (PATH or /usr/sbin)")) return;
    const dir = await scratch(t);
    const certs = await makeCertificates(dir);
    const tls = `tls { cert_file: "${certs.serverCertFile}", key_file: "${certs.serverKeyFile}" }`;
    const server = await nats(t, `${AUTHORIZATION}\n${tls}`, dir);
    if (!server) return;
    const url = server.url.replace("nats://", "tls://");
    const system = await System.start({
      env: {
        MICRO_REGISTRY: "nats",
        MICRO_REGISTRY_ADDRESS: url,
        MICRO_TRANSPORT: "nats",
        MICRO_NATS_USER: "programs",
        MICRO_NATS_PASSWORD: PASSWORD,
        MICRO_NATS_TLS_CA_FILE: certs.caFile,
      },
    });
    t.after(() => system.close());
    assert.deepEqual((await send(system.url, "GET", "/users?id=1")).body, { user: { id: 1, email: "alice@example.com", name: "Alice" } });
    const order = await send(system.url, "POST", "/orders", { user_id: 1, product_id: 100, amount: 99.99 });
    assert.equal(order.status, 201, order.text);
  });
});
