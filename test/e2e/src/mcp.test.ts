/**
 * `/mcp` against the real system: the four programs as processes, auth on, an agent connecting
 * with the official MCP SDK client over Streamable HTTP with a token minted as a user would.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { System } from "./harness.js";
import { mintToken } from "./tokens.js";

const JWT_SECRET = "mcp-suite-jwt-secret-at-least-32-bytes-long";
const CALL_SECRET = "mcp-suite-call-secret-at-least-32-bytes-long";

function text(result: CallToolResult): unknown {
  const [part] = result.content;
  assert.equal(part?.type, "text");
  return JSON.parse((part as { text: string }).text);
}

describe("mcp - an agent on the real system", () => {
  let system: System;
  let client: Client;

  before(async () => {
    system = await System.start({ env: { AUTH: "on", AUTH_JWT_SECRET: JWT_SECRET, MICRO_AUTH_SECRET: CALL_SECRET } });
    const token = await mintToken(JWT_SECRET, "1", "customer");
    client = new Client({ name: "e2e-agent", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", system.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  });
  after(async () => {
    await client?.close();
    await system?.close();
  });

  test("mcp - the tools include every service's reads, and users.UsersService.Get {id: 1} is Alice", async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    for (const name of ["users.UsersService.Get", "products.ProductsService.Get", "orders.OrdersService.Create"]) assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
    const result = (await client.callTool({ name: "users.UsersService.Get", arguments: { id: 1 } })) as CallToolResult;
    assert.notEqual(result.isError, true, JSON.stringify(result));
    assert.deepEqual(text(result), { user: { id: 1, email: "alice@example.com", name: "Alice" } });
  });

  test("mcp - user 1 asking for user 2 is a tool error with the gateway's 403", async () => {
    const result = (await client.callTool({ name: "users.UsersService.Get", arguments: { id: 2 } })) as CallToolResult;
    assert.equal(result.isError, true);
    const error = text(result) as { id: string; code: number };
    assert.deepEqual([error.id, error.code], ["gateway", 403]);
  });
});
