/**
 * The core loads no backend: importing `@gw/micro` (as a program does before the environment has
 * picked a registry or transport) must not load the NATS client, undici, pg, a span exporter or
 * Node's HTTP stack. A child process imports it with a module-resolution hook that reports every
 * module resolved, and Node's list of its own modules loaded; the NATS entry point is checked the
 * same way to show the check sees what it looks for.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";

/** Imports argv[2] and prints the modules that import loaded. */
const PROBE = `
import { createRequire, register } from "node:module";
import { MessageChannel } from "node:worker_threads";
const { port1, port2 } = new MessageChannel();
const resolved = [];
let finished;
const done = new Promise((resolve) => (finished = resolve));
port1.on("message", (url) => (url.includes("probe-sentinel") ? finished() : resolved.push(url)));
const hooks = "let port; export function initialize(data) { port = data.port; }" +
  " export async function resolve(specifier, context, next) { const r = await next(specifier, context); port.postMessage(r.url); return r; }";
register("data:text/javascript," + encodeURIComponent(hooks), { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });
await import(process.argv[2]);
// Messages from the hook thread arrive in order: once this one is here, every earlier one is.
await import("data:text/javascript,export default 'probe-sentinel'");
await done;
port1.close();
const required = Object.keys(createRequire(import.meta.url).cache);
const builtins = (process.moduleLoadList ?? []).filter((m) => m.startsWith("NativeModule ")).map((m) => m.slice("NativeModule ".length));
process.stdout.write(JSON.stringify({ modules: [...resolved, ...required], builtins }));
`;

const FORBIDDEN_MODULES = /@nats-io\/|\/undici\/|\/node_modules\/pg\/|\/exporter-trace-otlp|\/otlp-/;
const FORBIDDEN_BUILTINS = /^(_?https?|http2|_http_[a-z]+)$/;

async function loadedBy(specifier: string): Promise<{ modules: string[]; builtins: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), "core-probe-"));
  try {
    const probe = join(dir, "probe.mjs");
    await writeFile(probe, PROBE);
    const { stdout } = await promisify(execFile)(process.execPath, [probe, import.meta.resolve(specifier)]);
    return JSON.parse(stdout) as { modules: string[]; builtins: string[] };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("core - importing @gw/micro loads no NATS client, undici, pg, span exporter or HTTP stack", async () => {
  const { modules, builtins } = await loadedBy("@gw/micro");
  assert.ok(modules.length > 50, `the probe saw the imports (${modules.length})`);
  assert.deepEqual(modules.filter((m) => FORBIDDEN_MODULES.test(m)), []);
  assert.deepEqual(builtins.filter((b) => FORBIDDEN_BUILTINS.test(b)), []);
});

test("core - the NATS backend is its own entry point, and loads the NATS client", async () => {
  const { modules } = await loadedBy("@gw/micro/nats");
  assert.ok(modules.some((m) => m.includes("@nats-io/")), "the probe sees the NATS client when it is loaded");
});
