/**
 * The catalog as tools: names, what is left out, how a name finds its endpoint again, and which
 * tools a caller is shown.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Endpoint } from "@gw/micro";
import { catalogTools, findTool, mayEverCall } from "./tools.js";

const endpoint = (name: string, extra: Partial<Endpoint> = {}): Endpoint => ({
  name,
  request: { type: "object", properties: { id: { type: "integer" } } },
  response: { type: "object" },
  metadata: {},
  ...extra,
});

describe("mcp tools", () => {
  test("mcp tools - a service name with dots still finds its endpoint: the endpoint name has exactly one", () => {
    const catalogs = new Map([
      ["billing.eu", [endpoint("Ledger.Post")]],
      ["billing", [endpoint("Ledger.Get")]],
    ]);
    assert.deepEqual(catalogTools(catalogs).map((t) => t.tool.name), ["billing.eu.Ledger.Post", "billing.Ledger.Get"]);
    assert.equal(findTool(catalogs, "billing.eu.Ledger.Post")?.service, "billing.eu");
    assert.equal(findTool(catalogs, "billing.Ledger.Get")?.endpoint.name, "Ledger.Get");
    for (const missing of ["billing.eu.Ledger.Get", "billing.Ledger.Post", "Ledger.Post", "billing", "", ".Ledger.Post", "billing.eu.Ledger."]) {
      assert.equal(findTool(catalogs, missing), undefined, missing);
    }
  });

  test("mcp tools - what MCP cannot carry is left out: a name over 128 characters, a request that is no object", () => {
    const long = "a".repeat(120);
    const catalogs = new Map([
      [long, [endpoint("Service.Call")]],
      ["scalar", [endpoint("Service.Call", { request: { type: "integer" } })]],
      ["ok", [endpoint("Service.Call")]],
    ]);
    assert.deepEqual(catalogTools(catalogs).map((t) => t.tool.name), ["ok.Service.Call"]);
    assert.equal(findTool(catalogs, `${long}.Service.Call`), undefined);
  });

  test("mcp tools - the description is the summary and the description; the examples join the schema; idempotent is a hint", () => {
    const [tool] = catalogTools([
      ["shop", [endpoint("Cart.Get", { metadata: { summary: "Reads a cart", description: "Carts expire after a day.", examples: [{ request: { id: 7 } }], idempotent: true } })]],
    ]);
    assert.equal(tool?.tool.description, "Reads a cart\n\nCarts expire after a day.");
    assert.deepEqual(tool?.tool.inputSchema, { type: "object", properties: { id: { type: "integer" } }, examples: [{ id: 7 }] });
    assert.deepEqual(tool?.tool.annotations, { title: "Reads a cart", idempotentHint: true });
    const [bare] = catalogTools([["shop", [endpoint("Cart.Drop")]]]);
    assert.equal(bare?.tool.description, "Calls Cart.Drop on the shop service");
  });

  test("mcp tools - a caller is shown what it could call with some arguments", () => {
    const customer = { sub: "1", roles: ["customer"] };
    const admin = { sub: "ops", roles: ["admin"] };
    const robot = { sub: "robot", roles: ["customer"] };
    assert.equal(mayEverCall(customer, "public"), true);
    assert.equal(mayEverCall(customer, "authenticated"), true);
    assert.equal(mayEverCall(customer, { self: "id" }), true);
    assert.equal(mayEverCall(robot, { self: "id" }), false, "a subject that is no id owns no data");
    assert.equal(mayEverCall(customer, { role: "admin" }), false);
    assert.equal(mayEverCall(customer, undefined), false, "no rule: admins only");
    assert.equal(mayEverCall(admin, undefined), true);
    assert.equal(mayEverCall(customer, { role: "customer" }), true);
  });
});
