/**
 * services, describe, call and health against real parts: a toolkit Service in this process,
 * serving over TCP with its admin server, registered in a real local registry folder (and, for one
 * test, in NATS), and each command run as `micro` runs it, reading only the environment it is given.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import {
  LocalRegistry,
  type Registry,
  Service,
  TcpTransport,
  badRequest,
  createCredentialVerifier,
  createLogger,
  defineService,
  serverAuth,
} from "@gw/micro";
import { requireNats, testNatsUrl } from "@gw/micro/nats/testing";
import { SignJWT } from "jose";
import { ROOT } from "../../../scripts/programs.mjs";
import { COMMANDS } from "./index.js";
import { UsageError, Failure } from "./command.js";

const echo = defineService({
  name: "echo",
  handler: "EchoService",
  endpoints: {
    Say: {
      request: Type.Object({ text: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
      response: Type.Object({ text: Type.String(), trace: Type.String(), caller: Type.String(), roles: Type.Array(Type.String()) }),
      http: [{ method: "POST", path: "/echo/say" }],
      auth: "authenticated",
      summary: "Says the text back",
      idempotent: true,
    },
    Slow: {
      request: Type.Object({}),
      response: Type.Object({}),
      auth: { role: "admin" },
    },
    Refuse: {
      request: Type.Object({ why: Type.String() }),
      response: Type.Object({}),
      http: [{ method: "GET", path: "/echo/refuse/{why}" }],
      auth: { self: "why" },
    },
  },
});

const CALL_SECRET = "a-call-secret-of-at-least-32-bytes-for-tests";
const JWT_SECRET = "a-jwt-secret-of-at-least-32-bytes-for-the-cli-tests";

interface Running {
  readonly env: Record<string, string>;
  readonly service: Service;
  readonly registry: Registry;
}

/** The echo service on `registry`, stopped after the test; its Slow calls wait until then. */
async function startEcho(t: TestContext, registry: Registry, env: Record<string, string>, auth = false): Promise<Running> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const service = new Service({
    name: "echo",
    version: "1.2.3",
    registry,
    transport: new TcpTransport(),
    logger: createLogger("echo", "silent"),
    adminAddress: "127.0.0.1:0",
    authEnabled: auth,
    serverWrappers: auth ? [serverAuth(createCredentialVerifier({ audience: "echo", secret: new TextEncoder().encode(CALL_SECRET) }))] : [],
  }).handle(echo, {
    Say: async ({ text }, context) => ({
      text,
      trace: context.metadata["x-trace"] ?? "",
      caller: context.account ? `${context.account.id} via ${context.account.issuer}` : "",
      roles: [...(context.account?.roles ?? [])],
    }),
    Slow: async () => {
      await released;
      return {};
    },
    Refuse: async ({ why }) => {
      throw badRequest("echo", `refused: ${why}`);
    },
  });
  await service.start();
  t.after(async () => {
    release();
    await service.stop();
  });
  return { env, service, registry };
}

/** A fresh registry folder with the echo service in it; AUTH off, as npm start runs. */
async function localSystem(t: TestContext, auth = false): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), "micro-cli-"));
  const registry = new LocalRegistry({ directory: join(dir, "registry") });
  t.after(async () => {
    await registry.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const env: Record<string, string> = { MICRO_REGISTRY_ADDRESS: join(dir, "registry"), DATA_DIR: dir };
  if (auth) Object.assign(env, { AUTH: "on", MICRO_AUTH_SECRET: CALL_SECRET, AUTH_JWT_SECRET: JWT_SECRET });
  return startEcho(t, registry, env, auth);
}

interface Ran {
  readonly code: number;
  readonly out: string[];
  readonly err: string[];
}

/** Runs `micro <args>` as main.ts does: a usage mistake or a failure is one line on stderr, exit code 1. */
async function micro(env: Readonly<Record<string, string>>, ...args: string[]): Promise<Ran> {
  const out: string[] = [];
  const err: string[] = [];
  const [name, ...rest] = args;
  const command = COMMANDS.find((c) => c.name === name);
  assert.ok(command, `no command ${name}`);
  try {
    const code = await command.run(rest, { root: ROOT, env, io: { out: (l) => out.push(l), err: (l) => err.push(l) } });
    return { code, out, err };
  } catch (error) {
    if (error instanceof UsageError) return { code: 1, out, err: [...err, `micro ${error.message}`] };
    if (error instanceof Failure) return { code: 1, out, err: [...err, `micro: ${error.message}`] };
    throw error;
  }
}

function json(ran: Ran): unknown {
  assert.equal(ran.out.length, 1, `one line of JSON, got ${JSON.stringify(ran.out)}`);
  return JSON.parse(ran.out[0] as string);
}

/** A port nothing listens on: taken, then freed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("micro services, describe, health", () => {
  it("services - each service with its version, node count and readiness, as a table and as JSON", async (t) => {
    const { env } = await localSystem(t);
    const table = await micro(env, "services");
    assert.equal(table.code, 0);
    assert.deepEqual(table.out, ["SERVICE  VERSION  NODES  HEALTH", "echo     1.2.3    1      ready"]);
    const listed = await micro(env, "services", "--json");
    assert.deepEqual(json(listed), [{ name: "echo", version: "1.2.3", nodes: 1, ready: 1, health: "ready" }]);
  });

  it("health - every node's /ready; a node whose admin server is gone is NOT READY and the exit code is 1", async (t) => {
    const { env, registry, service } = await localSystem(t);
    const healthy = await micro(env, "health", "--json");
    assert.equal(healthy.code, 0);
    const admin = service.adminAddress as string;
    assert.deepEqual(json(healthy), [{ service: "echo", version: "1.2.3", node: service.nodeId, admin, ready: true }]);

    const dead = `127.0.0.1:${await closedPort()}`;
    await registry.register({ name: "echo", version: "1.2.3", endpoints: [], nodes: [{ id: "echo-dead", address: dead, metadata: { admin: dead } }] }, { ttlMs: 60_000 });
    const table = await micro(env, "health");
    assert.equal(table.code, 1);
    assert.equal(table.out[0], "SERVICE  VERSION  NODE" + " ".repeat(Math.max(service.nodeId.length, 9) - 4 + 2) + "ADMIN" + " ".repeat(Math.max(admin.length, dead.length) - 5 + 2) + "STATUS     DETAIL");
    assert.ok(table.out.some((l) => /^echo\s+1\.2\.3\s+echo-dead\s+127\.0\.0\.1:\d+\s+NOT READY\s+connection refused$/.test(l)), table.out.join("\n"));
    assert.ok(table.out.some((l) => l.includes(service.nodeId) && /\sready$/.test(l)), table.out.join("\n"));
    const services = await micro(env, "services", "--json");
    assert.deepEqual(json(services), [{ name: "echo", version: "1.2.3", nodes: 2, ready: 1, health: "degraded" }]);
  });

  it("describe - nodes with address, version, metadata and heartbeat age; endpoints with HTTP binding, rule and schemas", async (t) => {
    const { env, service } = await localSystem(t);
    const described = await micro(env, "describe", "echo");
    assert.equal(described.code, 0, described.err.join("\n"));
    const text = described.out.join("\n");
    assert.match(text, /^service  echo\nversions 1\.2\.3\n/);
    const node = described.out.find((l) => l.startsWith(service.nodeId)) ?? "";
    assert.match(node, new RegExp(`^${service.nodeId}\\s+${service.address}\\s+1\\.2\\.3\\s+\\d+(ms|\\.\\ds) ago\\s+admin=${service.adminAddress} transport=tcp$`));
    assert.match(text, /\nEchoService\.Say: Says the text back\n {2}http: {5}POST \/echo\/say\n {2}rule: {5}authenticated, idempotent\n {2}request: {2}\{/);
    const say = described.out.indexOf("EchoService.Say: Says the text back");
    const schemaOf = (line: string | undefined, label: string) => JSON.parse((line ?? "").slice(`  ${label}`.length).trim()) as unknown;
    assert.deepEqual(schemaOf(described.out[say + 3], "request:"), JSON.parse(JSON.stringify(echo.endpoints.Say.request)));
    assert.deepEqual(schemaOf(described.out[say + 4], "response:"), JSON.parse(JSON.stringify(echo.endpoints.Say.response)));
    assert.match(text, /\nEchoService\.Slow\n {2}http: {5}none \(RPC only\)\n {2}rule: {5}role admin\n/);
    assert.match(text, /\nEchoService\.Refuse\n {2}http: {5}GET \/echo\/refuse\/\{why\}\n {2}rule: {5}own data \(why = caller\)\n/);

    const before = Date.now();
    const [found] = json(await micro(env, "describe", "echo", "--json")) as Array<{ name: string; version: string; nodes: Array<{ id: string; refreshedAt: number; heartbeatAgeMs: number }>; endpoints: Array<{ name: string; metadata: unknown }> }>;
    assert.equal(found?.name, "echo");
    assert.deepEqual(found?.endpoints.map((e) => e.name).sort(), ["EchoService.Refuse", "EchoService.Say", "EchoService.Slow"]);
    const [one] = found?.nodes ?? [];
    assert.equal(one?.id, service.nodeId);
    assert.ok(typeof one?.refreshedAt === "number" && one.refreshedAt <= before + 1000, "the registry's time of the last refresh");
    assert.ok(typeof one?.heartbeatAgeMs === "number" && one.heartbeatAgeMs >= 0 && one.heartbeatAgeMs < 60_000);
  });

  it("describe - an unknown service is one line naming the registry and what is registered", async (t) => {
    const { env } = await localSystem(t);
    const ran = await micro(env, "describe", "nobody");
    assert.equal(ran.code, 1);
    assert.deepEqual(ran.err, [`micro: no service "nobody" in the local registry at ${env.MICRO_REGISTRY_ADDRESS} (MICRO_REGISTRY unset, MICRO_REGISTRY_ADDRESS); registered: echo`]);
  });
});

describe("micro call", () => {
  it("call - prints the response; -m metadata reaches the handler", async (t) => {
    const { env } = await localSystem(t);
    const ran = await micro(env, "call", "echo", "EchoService.Say", '{"text":"hi"}', "-m", "x-trace=abc", "--json");
    assert.equal(ran.code, 0, ran.err.join("\n"));
    assert.deepEqual(json(ran), { text: "hi", trace: "abc", caller: "", roles: [] });
    const pretty = await micro(env, "call", "echo", "EchoService.Say", '{"text":"hi"}');
    assert.equal(pretty.out.join("\n"), JSON.stringify({ text: "hi", trace: "", caller: "", roles: [] }, null, 2));
  });

  it("call - an error is the error shape on stdout with exit code 1: the handler's, the contract's, no node", async (t) => {
    const { env } = await localSystem(t);
    const refused = await micro(env, "call", "echo", "EchoService.Refuse", '{"why":"because"}', "--json");
    assert.equal(refused.code, 1);
    assert.deepEqual(json(refused), { id: "echo", code: 400, detail: "refused: because", status: "Bad Request" });
    const invalid = await micro(env, "call", "echo", "EchoService.Say", "{}", "--json");
    assert.equal(invalid.code, 1);
    const shape = json(invalid) as { id: string; code: number; detail: string; status: string };
    assert.deepEqual({ ...shape, detail: undefined }, { id: "echo", code: 400, detail: undefined, status: "Bad Request", reason: "invalid_request" });
    assert.match(shape.detail, /text/);
    const nobody = await micro(env, "call", "nobody", "Nobody.Call", "{}", "--json");
    assert.equal(nobody.code, 1);
    assert.equal((json(nobody) as { code: number }).code, 503);
  });

  it("call - --timeout gives a 504 when the handler does not answer in time", async (t) => {
    const { env } = await localSystem(t);
    const ran = await micro(env, "call", "echo", "EchoService.Slow", "{}", "--timeout", "200", "--json");
    assert.equal(ran.code, 1);
    const shape = json(ran) as { code: number; status: string };
    assert.equal(shape.code, 504);
    assert.equal(shape.status, "Gateway Timeout");
  });

  it("call - mistakes in the arguments are one usage line", async (t) => {
    const { env } = await localSystem(t);
    assert.deepEqual((await micro(env, "call", "echo", "EchoService.Say", "{nope")).err.length, 1);
    const badKey = await micro(env, "call", "echo", "EchoService.Say", "{}", "-m", "Bad Key=1");
    assert.equal(badKey.code, 1);
    assert.match(badKey.err[0] ?? "", /^micro call: -m "Bad Key=1": expected key=value/);
    const badTimeout = await micro(env, "call", "echo", "EchoService.Say", "{}", "--timeout", "soon");
    assert.match(badTimeout.err[0] ?? "", /^micro call: --timeout "soon": expected a positive number of milliseconds$/);
  });

  it("call - with AUTH on: signed for the token's verified subject and roles, under the endpoint's rule; a bad token is a 401", async (t) => {
    const { env } = await localSystem(t, true);
    const token = (sub: string, roles: string[], secret = JWT_SECRET) =>
      new SignJWT({ roles }).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setIssuedAt().setExpirationTime("5m").sign(new TextEncoder().encode(secret));
    const asUser = await micro(env, "call", "echo", "EchoService.Say", '{"text":"hi"}', "--token", await token("7", ["reader"]), "--json");
    assert.equal(asUser.code, 0, asUser.out.join("\n") + asUser.err.join("\n"));
    assert.deepEqual(json(asUser), { text: "hi", trace: "", caller: "7 via micro", roles: ["reader"] });

    const fromEnv = await micro({ ...env, MICRO_TOKEN: await token("8", []) }, "call", "echo", "EchoService.Say", '{"text":"hi"}', "--json");
    assert.equal((json(fromEnv) as { caller: string }).caller, "8 via micro");

    const noRole = await micro(env, "call", "echo", "EchoService.Slow", "{}", "--token", await token("7", []), "--json");
    assert.equal(noRole.code, 1);
    assert.deepEqual(json(noRole), { id: "micro", code: 403, detail: "this needs the admin role", status: "Forbidden", reason: "forbidden" });
    const notOwn = await micro(env, "call", "echo", "EchoService.Refuse", '{"why":"8"}', "--token", await token("7", []), "--json");
    assert.deepEqual(json(notOwn), { id: "micro", code: 403, detail: "this is allowed on your own why only", status: "Forbidden", reason: "forbidden" });

    const forged = await micro(env, "call", "echo", "EchoService.Say", '{"text":"hi"}', "--token", await token("7", [], "another-secret-of-at-least-32-bytes-long!"), "--json");
    assert.equal(forged.code, 1);
    assert.deepEqual(json(forged), { id: "micro", code: 401, detail: "the token's signature is invalid", status: "Unauthorized", reason: "token_invalid" });

    const itself = await micro(env, "call", "echo", "EchoService.Say", '{"text":"hi"}', "--json");
    assert.equal((json(itself) as { caller: string }).caller, "micro via micro");

    const unsigned = await micro({ ...env, MICRO_AUTH_SECRET: "x".repeat(40) }, "call", "echo", "EchoService.Say", '{"text":"hi"}', "--json");
    assert.equal(unsigned.code, 1);
    assert.deepEqual(json(unsigned), { id: "echo", code: 401, detail: "the call credential's signature is invalid", status: "Unauthorized", reason: "credential_invalid" });
  });
});

describe("micro against a registry it cannot use", () => {
  it("registry - an unreachable NATS registry is one line naming it and how it was configured", async () => {
    const address = `nats://127.0.0.1:${await closedPort()}`;
    for (const command of [["services"], ["health", "--json"], ["describe", "echo"], ["call", "echo", "EchoService.Say", "{}"]]) {
      const ran = await micro({ MICRO_REGISTRY: "nats", MICRO_REGISTRY_ADDRESS: address }, ...(command as [string, ...string[]]));
      assert.equal(ran.code, 1, command.join(" "));
      assert.deepEqual(ran.out, []);
      assert.deepEqual(ran.err, [`micro: cannot reach the NATS registry at ${address} (MICRO_REGISTRY=nats, MICRO_REGISTRY_ADDRESS): connection refused`]);
    }
  });

  it("registry - a local registry folder that does not exist is one line, and is not created", async () => {
    const dir = join(tmpdir(), `micro-cli-missing-${process.pid}-${Date.now()}`);
    const ran = await micro({ MICRO_REGISTRY_ADDRESS: dir }, "services");
    assert.equal(ran.code, 1);
    assert.deepEqual(ran.err, [
      `micro: nothing has registered in the local registry at ${dir} (MICRO_REGISTRY unset, MICRO_REGISTRY_ADDRESS): the folder does not exist; start the system (npm start) or set MICRO_REGISTRY_ADDRESS`,
    ]);
  });

  it("registry - with nothing set, micro looks where npm start registers: <root>/.data/registry", async () => {
    const ran = await micro({ MICRO_REGISTRY_ADDRESS: "" }, "services");
    // Whether or not a system runs here, the registry named is npm start's.
    const named = ran.code === 0 ? true : (ran.err[0] ?? "").includes(`the local registry at ${join(ROOT, ".data", "registry")} (MICRO_REGISTRY unset, MICRO_REGISTRY_ADDRESS unset: npm start's folder)`);
    assert.ok(named, ran.err.join("\n"));
  });
});

describe("micro on the NATS registry", () => {
  it("nats - services, describe and call find a service registered in NATS", async (t) => {
    if (!(await requireNats(t))) return;
    const { NatsRegistry } = await import("@gw/micro/nats");
    const bucket = `micro_cli_${process.pid}_${Date.now()}`;
    const registry = new NatsRegistry({ servers: testNatsUrl(), bucket });
    t.after(() => registry.close());
    const env = { MICRO_REGISTRY: "nats", MICRO_REGISTRY_ADDRESS: testNatsUrl(), MICRO_REGISTRY_BUCKET: bucket };
    const { service } = await startEcho(t, registry, env);
    assert.deepEqual(json(await micro(env, "services", "--json")), [{ name: "echo", version: "1.2.3", nodes: 1, ready: 1, health: "ready" }]);
    const [found] = json(await micro(env, "describe", "echo", "--json")) as Array<{ nodes: Array<{ id: string; heartbeatAgeMs: number }> }>;
    assert.equal(found?.nodes[0]?.id, service.nodeId);
    assert.equal(typeof found?.nodes[0]?.heartbeatAgeMs, "number");
    const called = await micro(env, "call", "echo", "EchoService.Say", '{"text":"over nats"}', "-m", "x-trace=n", "--json");
    assert.deepEqual(json(called), { text: "over nats", trace: "n", caller: "", roles: [] });
  });
});
