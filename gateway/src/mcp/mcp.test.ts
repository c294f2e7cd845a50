/**
 * `/mcp` through the official MCP SDK's client over Streamable HTTP, against a real gateway
 * listening on a port, with the three contracts served by real servers over a real transport
 * (auth/testing.ts), and a fourth service that comes and goes.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import { Type } from "@sinclair/typebox";
import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { type CallToolResult, ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { type Listener, REQUEST_ID, Server, createCredentialVerifier, defineService, serverAuth } from "@gw/micro";
import { HttpTransport } from "@gw/micro/http";
import { users } from "@gw/proto";
import { buildGateway } from "../app.js";
import type { App } from "../context.js";
import { secretAuth } from "../auth/index.js";
import { type Backends, CALL_SECRET, startBackends } from "../auth/testing.js";
import { secretBytes, signToken } from "../auth/testing-keys.js";
import type { RateLimitOptions } from "../ratelimit/index.js";

const SECRET = "test-secret-of-the-mcp-suite-at-least-32-bytes";

/** A service the gateway has never heard of, with an endpoint no HTTP route reaches. */
const inventory = defineService({
  name: "inventory",
  handler: "InventoryService",
  endpoints: {
    Count: {
      request: Type.Object({ sku: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
      response: Type.Object({ count: Type.Integer() }),
      auth: "authenticated",
      summary: "Counts the items of one SKU in stock",
    },
  },
});

interface Gateway {
  readonly app: App;
  readonly url: URL;
  /** Its log lines, parsed. */
  readonly lines: Array<Record<string, unknown>>;
}

let backends: Backends;
const gateways: Gateway[] = [];
const clients: McpClient[] = [];

before(async () => {
  backends = await startBackends();
});
after(async () => {
  for (const client of clients) await client.close();
  for (const gateway of gateways) await gateway.app.close();
  await backends.close();
});

async function startGateway(options: { auth?: boolean; rateLimit?: RateLimitOptions } = {}): Promise<Gateway> {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = buildGateway({
    client: backends.client,
    registry: backends.registry,
    logger: pino({ level: "info" }, sink),
    ...(options.auth === true ? { auth: secretAuth(SECRET) } : {}),
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address() as { port: number };
  const gateway = { app, url: new URL(`http://127.0.0.1:${port}/mcp`), lines };
  gateways.push(gateway);
  return gateway;
}

async function connect(gateway: Gateway, headers: Record<string, string> = {}): Promise<McpClient> {
  const client = new McpClient({ name: "mcp-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(gateway.url, { requestInit: { headers } }));
  clients.push(client);
  return client;
}

async function call(client: McpClient, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** The text of a one-part result, parsed as JSON. */
function json(result: CallToolResult): Record<string, unknown> {
  assert.equal(result.content.length, 1);
  const [part] = result.content;
  assert.equal(part?.type, "text");
  return JSON.parse((part as { text: string }).text) as Record<string, unknown>;
}

async function toolNames(client: McpClient): Promise<string[]> {
  return (await client.listTools()).tools.map((t) => t.name);
}

/** Polls `condition` until it holds, for at most 5 s. */
async function waitFor(what: string, condition: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 5000;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`waitFor: ${what} did not happen within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("mcp - without auth", () => {
  let gateway: Gateway;
  let client: McpClient;
  before(async () => {
    gateway = await startGateway();
    client = await connect(gateway, { "x-request-id": "mcp-test-request" });
  });

  test("mcp - the server names itself, offers tools and says it sends no list_changed", () => {
    assert.equal(client.getServerVersion()?.name, "API gateway");
    assert.deepEqual(client.getServerCapabilities()?.tools, { listChanged: false });
    assert.match(client.getInstructions() ?? "", /<service>\.<Handler>\.<Method>/);
  });

  test("mcp - tools/list has every endpoint of every service, with its summary and request schema", async () => {
    const { tools } = await client.listTools();
    const registered = (await backends.registry.listServices()).flatMap((s) => s.endpoints.map((e) => `${s.name}.${e.name}`));
    assert.deepEqual(tools.map((t) => t.name).sort(), registered.sort());
    const get = tools.find((t) => t.name === "users.UsersService.Get");
    assert.ok(get, "users.UsersService.Get is listed");
    assert.equal(get.description, users.endpoints.Get.summary);
    const { examples, ...schema } = get.inputSchema;
    assert.deepEqual(schema, JSON.parse(JSON.stringify(users.endpoints.Get.request)));
    assert.deepEqual(examples, [{ id: 1 }]);
    assert.equal(get.annotations?.idempotentHint, true);
  });

  test("mcp - users.UsersService.Get {id: 1} answers the user, with the request's id on the call", async () => {
    const result = await call(client, "users.UsersService.Get", { id: 1 });
    assert.notEqual(result.isError, true);
    assert.deepEqual(json(result), { user: { id: 1, email: "ada@example.com", name: "Ada" } });
    const seen = backends.calls.at(-1);
    assert.equal(seen?.endpoint, "UsersService.Get");
    assert.equal(seen?.metadata[REQUEST_ID], "mcp-test-request");
  });

  test("mcp - a bad request is a tool error carrying the service's 400", async () => {
    const result = await call(client, "users.UsersService.Get", { id: 0 });
    assert.equal(result.isError, true);
    const error = json(result);
    assert.deepEqual([error.id, error.code, error.status, error.reason], ["users", 400, "Bad Request", "invalid_request"]);
    assert.match(String(error.detail), /id/);
  });

  test("mcp - a missing record is a tool error carrying the service's 404", async () => {
    const error = json(await call(client, "users.UsersService.Get", { id: 99 }));
    assert.deepEqual([error.code, error.detail], [404, "user 99 not found"]);
  });

  test("mcp - an unknown tool is a protocol error (invalid params), not a call", async () => {
    const before = backends.calls.length;
    await assert.rejects(call(client, "users.UsersService.Nope", {}), (error) => error instanceof McpError && error.code === ErrorCode.InvalidParams);
    await assert.rejects(call(client, "nothing", {}), (error) => error instanceof McpError && error.code === ErrorCode.InvalidParams);
    assert.equal(backends.calls.length, before);
  });

  test("mcp - each tool call is one log line: tool, caller, outcome, duration", async () => {
    await call(client, "users.UsersService.Get", { id: 2 });
    await call(client, "users.UsersService.Get", { id: 0 });
    const logged = gateway.lines.filter((l) => l.tool === "users.UsersService.Get");
    const ok = logged.find((l) => l.outcome === "ok");
    const bad = logged.find((l) => l.outcome === "error 400");
    for (const line of [ok, bad]) {
      assert.ok(line, JSON.stringify(logged));
      assert.equal(line.caller, "anonymous");
      assert.equal(typeof line.durationMs, "number");
      assert.equal(line.requestId, "mcp-test-request");
    }
  });

  test("mcp - tools/list follows the registry: a service's tools appear when it registers and go when it leaves", async () => {
    const transport = new HttpTransport();
    const server = new Server({ name: "inventory", wrappers: [serverAuth(createCredentialVerifier({ audience: "inventory", secret: CALL_SECRET }))] }).handle(inventory, {
      Count: async ({ sku }) => ({ count: sku.length }),
    });
    const listener: Listener = await transport.listen("127.0.0.1:0", server.serve);
    const registration = { name: "inventory", version: "test", endpoints: server.endpoints(), nodes: [{ id: "inventory-1", address: listener.address, metadata: { transport: transport.name } }] };
    try {
      assert.ok(!(await toolNames(client)).includes("inventory.InventoryService.Count"));
      await backends.registry.register(registration, { ttlMs: 60_000 });
      await waitFor("the new service's tool listed", async () => (await toolNames(client)).includes("inventory.InventoryService.Count"));
      // An endpoint no HTTP route reaches is a tool all the same.
      assert.deepEqual(json(await call(client, "inventory.InventoryService.Count", { sku: "abc" })), { count: 3 });
      await backends.registry.deregister(registration);
      await waitFor("the departed service's tool gone", async () => !(await toolNames(client)).includes("inventory.InventoryService.Count"));
      assert.ok((await toolNames(client)).includes("users.UsersService.Get"));
      // The catalog still knows it: a call is the service's 503, not an unknown tool.
      const error = json(await call(client, "inventory.InventoryService.Count", { sku: "abc" }));
      assert.equal(error.code, 503);
    } finally {
      await backends.registry.deregister(registration);
      await listener.close(0);
    }
  });

  test("mcp - GET /mcp is 405 (no standing stream in stateless mode), and the SDK client copes", async () => {
    const res = await fetch(gateway.url, { headers: { accept: "text/event-stream" } });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "POST");
    const body = (await res.json()) as { id: string; code: number };
    assert.deepEqual([body.id, body.code], ["gateway", 405]);
  });
});

describe("mcp - requests the protocol cannot take", () => {
  let gateway: Gateway;
  before(async () => {
    gateway = await startGateway();
  });
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(gateway.url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers }, body });
  const list = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });

  test("mcp - a body that is not JSON, or not typed as JSON, is the gateway's 400 or 415 in the error shape", async () => {
    const broken = await post("{");
    assert.equal(broken.status, 400);
    assert.deepEqual(await broken.json(), { id: "gateway", code: 400, detail: "body: is not valid JSON", status: "Bad Request", reason: "invalid_json" });
    const text = await post(list, { "content-type": "text/plain" });
    assert.equal(text.status, 415);
    assert.deepEqual(await text.json(), { id: "gateway", code: 415, detail: "content-type: must be application/json", status: "Unsupported Media Type", reason: "unsupported_media_type" });
  });

  test("mcp - a batch is 400 naming it, and calls nothing", async () => {
    const before = backends.calls.length;
    const call = { jsonrpc: "2.0", method: "tools/call", params: { name: "users.UsersService.Get", arguments: { id: 1 } } };
    const res = await post(JSON.stringify([{ ...call, id: 1 }, { ...call, id: 2 }]));
    assert.equal(res.status, 400);
    const error = (await res.json()) as { detail: string; reason: string };
    assert.match(error.detail, /^body: a JSON-RPC batch is not accepted/);
    assert.equal(error.reason, "batch_not_accepted");
    assert.equal(backends.calls.length, before);
  });

  test("mcp - JSON that is no JSON-RPC message, or a client that cannot take the answer, gets the protocol's own error", async () => {
    const junk = await post(JSON.stringify({ hello: "world" }));
    assert.equal(junk.status, 400);
    assert.equal(((await junk.json()) as { error: { code: number } }).error.code, -32700);
    const noAccept = await post(list, { accept: "application/json" });
    assert.equal(noAccept.status, 406);
    assert.match(((await noAccept.json()) as { error: { message: string } }).error.message, /Not Acceptable/);
  });
});

describe("mcp - with auth", () => {
  let gateway: Gateway;
  let user1: McpClient;
  let admin: McpClient;
  before(async () => {
    gateway = await startGateway({ auth: true });
    const key = secretBytes(SECRET);
    user1 = await connect(gateway, { authorization: `Bearer ${await signToken({ sub: "1", roles: ["customer"] }, key)}` });
    admin = await connect(gateway, { authorization: `Bearer ${await signToken({ sub: "ops", roles: ["admin"] }, key)}` });
  });

  test("mcp - without a token the connection is refused with 401", async () => {
    const client = new McpClient({ name: "mcp-test", version: "1.0.0" });
    await assert.rejects(client.connect(new StreamableHTTPClientTransport(gateway.url)), (error) => error instanceof StreamableHTTPError && error.code === 401);
    const bad = new McpClient({ name: "mcp-test", version: "1.0.0" });
    await assert.rejects(bad.connect(new StreamableHTTPClientTransport(gateway.url, { requestInit: { headers: { authorization: "Bearer a.b.c" } } })), (error) => error instanceof StreamableHTTPError && error.code === 401);
  });

  test("mcp - user 1 reads itself; the call carries its account", async () => {
    assert.deepEqual(json(await call(user1, "users.UsersService.Get", { id: 1 })), { user: { id: 1, email: "ada@example.com", name: "Ada" } });
    assert.equal(backends.calls.at(-1)?.account?.id, "1");
  });

  test("mcp - user 1 reading user 2 is a tool error with the 403, and no call is made", async () => {
    const before = backends.calls.length;
    const result = await call(user1, "users.UsersService.Get", { id: 2 });
    assert.equal(result.isError, true);
    const error = json(result);
    assert.deepEqual([error.id, error.code, error.status, error.reason], ["gateway", 403, "Forbidden", "forbidden"]);
    assert.match(String(error.detail), /own id/);
    assert.equal(backends.calls.length, before);
    const line = gateway.lines.find((l) => l.tool === "users.UsersService.Get" && l.outcome === "error 403");
    assert.equal(line?.caller, "1");
  });

  test("mcp - a caller is listed only the tools it may call; an admin all of them", async () => {
    const mine = await toolNames(user1);
    assert.ok(mine.includes("users.UsersService.Get"), "own data: listed");
    assert.ok(!mine.includes("users.UsersService.List"), "admin only: not listed");
    const all = await toolNames(admin);
    assert.ok(all.includes("users.UsersService.List"));
    assert.ok(all.length > mine.length);
    assert.equal(json(await call(admin, "users.UsersService.Get", { id: 2 })).user !== undefined, true);
  });

  test("mcp - an admin-only tool called by a customer is a 403 tool error even though it is not listed", async () => {
    const error = json(await call(user1, "users.UsersService.List", {}));
    assert.deepEqual([error.code, error.detail], [403, "this needs the admin role"]);
  });
});

describe("mcp - rate limits", () => {
  test("mcp - /mcp counts against the caller's budget like any route: past it, 429 in the error shape", async () => {
    const gateway = await startGateway({ rateLimit: { enabled: true, max: 1, windowMs: 60_000 } });
    const post = () =>
      fetch(gateway.url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
    const first = await post();
    assert.equal(first.status, 200);
    const listed = (await first.json()) as { result: { tools: Array<{ name: string }> } };
    assert.ok(listed.result.tools.some((t) => t.name === "users.UsersService.Get"));
    const second = await post();
    assert.equal(second.status, 429);
    assert.equal(((await second.json()) as { code: number }).code, 429);
  });
});
