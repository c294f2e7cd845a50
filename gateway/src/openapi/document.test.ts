/**
 * The OpenAPI document from the real contracts' routes: valid OpenAPI 3.1 by a maintained
 * validator, every example valid against the schema it illustrates, and the operations a client
 * reads (parameters, bodies, security, responses) as the catalog's binding rules say.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import { type Endpoint, createAjv } from "@gw/micro";
import type { Route } from "../catalog/route.js";
import { ERROR_SCHEMA, type OpenApiDocument, openApiDocument } from "./document.js";
import { contractRoutes } from "./testing.js";

type Obj = Record<string, unknown>;

const OPTIONS = { title: "API gateway", version: "1.2.3", auth: true } as const;
const withAuth = openApiDocument(contractRoutes(), OPTIONS);
const withoutAuth = openApiDocument(contractRoutes(), { ...OPTIONS, auth: false });

function op(doc: OpenApiDocument, method: string, path: string): Obj {
  const found = doc.paths[path]?.[method];
  assert.ok(found, `${method.toUpperCase()} ${path} is in the document`);
  return found as Obj;
}

function params(operation: Obj): Obj[] {
  return (operation["parameters"] ?? []) as Obj[];
}

function param(operation: Obj, name: string): Obj {
  const found = params(operation).find((p) => p["name"] === name);
  assert.ok(found, `parameter ${name}`);
  return found;
}

function bodySchema(operation: Obj): Obj {
  const body = operation["requestBody"] as Obj;
  return ((body["content"] as Obj)["application/json"] as Obj)["schema"] as Obj;
}

function responseCodes(operation: Obj): string[] {
  return Object.keys(operation["responses"] as Obj);
}

function successSchema(operation: Obj, status: string): Obj {
  const response = (operation["responses"] as Obj)[status] as Obj;
  return ((response["content"] as Obj)["application/json"] as Obj)["schema"] as Obj;
}

function operations(doc: OpenApiDocument): [string, Obj][] {
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, o]) => [`${method} ${path}`, o as Obj] as [string, Obj]));
}

function endpoint(routes: readonly Route[], name: string): Endpoint {
  const found = routes.find((route) => route.endpoint.name === name);
  assert.ok(found, name);
  return found.endpoint;
}

describe("OpenAPI document", () => {
  test("openapi - valid OpenAPI 3.1, with and without auth", async () => {
    for (const doc of [withAuth, withoutAuth]) {
      const result = await new Validator().validate(structuredClone(doc) as unknown as Obj);
      assert.deepEqual(result, { valid: true }, JSON.stringify(result.errors, null, 2));
      assert.equal(doc.openapi, "3.1.0");
      assert.deepEqual(doc.info.title, "API gateway");
      assert.deepEqual(doc.info.version, "1.2.3");
    }
  });

  test("openapi - every schema compiles and every example is valid against its schema", () => {
    const ajv = createAjv({ strict: true, useDefaults: false });
    const check = (schema: unknown, value: unknown, where: string): void => {
      const validate = ajv.compile(schema as Obj);
      assert.ok(validate(structuredClone(value)), `${where}: ${JSON.stringify(validate.errors)}`);
    };
    let examples = 0;
    for (const [where, operation] of operations(withAuth)) {
      for (const p of params(operation)) {
        for (const [key, example] of Object.entries((p["examples"] ?? {}) as Obj)) {
          check(p["schema"], (example as Obj)["value"], `${where} parameter ${String(p["name"])} ${key}`);
          examples++;
        }
      }
      const media: [string, Obj][] = [];
      const body = operation["requestBody"] as Obj | undefined;
      if (body !== undefined) media.push([`${where} body`, (body["content"] as Obj)["application/json"] as Obj]);
      for (const [status, response] of Object.entries(operation["responses"] as Obj)) {
        const content = (response as Obj)["content"] as Obj | undefined;
        if (content !== undefined) media.push([`${where} ${status}`, content["application/json"] as Obj]);
      }
      for (const [label, m] of media) {
        ajv.compile(m["schema"] as Obj);
        for (const [key, example] of Object.entries((m["examples"] ?? {}) as Obj)) {
          check(m["schema"], (example as Obj)["value"], `${label} ${key}`);
          examples++;
        }
      }
    }
    for (const [name, response] of Object.entries((withAuth.components["responses"] ?? {}) as Obj)) {
      const example = (((response as Obj)["content"] as Obj)["application/json"] as Obj)["example"];
      if (example !== undefined) check(ERROR_SCHEMA, example, `components.responses.${name}`);
    }
    // The test catalog's examples reach parameters, bodies and responses: 7 endpoints have one.
    assert.ok(examples >= 14, `examples checked: ${examples}`);
  });

  test("openapi - GET /users merges UsersService.Get (with id) and UsersService.List", () => {
    const operation = op(withAuth, "get", "/users");
    assert.equal(operation["operationId"], "UsersService.Get_or_UsersService.List");
    assert.equal(operation["summary"], "with id: Reads one user; otherwise: Lists users in id order");
    assert.match(String(operation["description"]), /\*\*with id\*\*: `UsersService\.Get`/);
    assert.match(String(operation["description"]), /\*\*otherwise\*\*: `UsersService\.List`/);
    assert.deepEqual(
      params(operation).map((p) => [p["name"], p["in"], p["required"]]),
      [
        ["id", "query", false],
        ["limit", "query", false],
        ["offset", "query", false],
      ],
    );
    assert.match(String(param(operation, "id")["description"]), /selects `UsersService\.Get`/);
    const routes = contractRoutes();
    assert.deepEqual(param(operation, "id")["schema"], (endpoint(routes, "UsersService.Get").request["properties"] as Obj)["id"]);
    assert.deepEqual(successSchema(operation, "200"), {
      oneOf: [endpoint(routes, "UsersService.Get").response, endpoint(routes, "UsersService.List").response],
    });
    assert.equal(operation["requestBody"], undefined);
    assert.deepEqual(operation["security"], [{ bearer: [] }]);
    assert.deepEqual(responseCodes(operation), ["200", "400", "401", "403", "429", "503", "504", "default"]);
    assert.deepEqual(operation["tags"], ["users"]);
    assert.deepEqual(operation["x-micro-endpoints"], [
      { service: "users", endpoint: "UsersService.Get", when: ["id"] },
      { service: "users", endpoint: "UsersService.List" },
    ]);
    assert.equal(operation["x-micro-endpoint"], undefined, "a merged operation names its endpoints in x-micro-endpoints only");
  });

  test("openapi - a parameter is required only when every alternative requires it and none selects by it", () => {
    const request = {
      type: "object",
      additionalProperties: false,
      required: ["q", "page"],
      properties: { q: { type: "string" }, page: { type: "integer" } },
    };
    const response = { type: "object", properties: { hits: { type: "array" } } };
    const make = (name: string, when?: string[]): Route => ({
      service: "search",
      endpoint: { name, request, response, metadata: { auth: "public" } },
      binding: { method: "GET", path: "/search", ...(when !== undefined ? { when } : {}) },
    });
    const doc = openApiDocument([make("SearchService.Plain"), make("SearchService.Paged", ["page"])], OPTIONS);
    const operation = op(doc, "get", "/search");
    assert.equal(param(operation, "q")["required"], true, "both alternatives require q");
    assert.equal(param(operation, "page")["required"], false, "page selects an alternative");
    assert.deepEqual(successSchema(operation, "200"), response, "equal responses are not wrapped in oneOf");
    assert.equal(operation["security"], undefined, "public: no token");
    assert.ok(!responseCodes(operation).includes("401"));
  });

  test("openapi - GET /users/{id}: a required path parameter, the caller's own data, and 404", () => {
    const operation = op(withAuth, "get", "/users/{id}");
    assert.equal(operation["operationId"], "UsersService.Get");
    assert.equal(operation["x-micro-service"], "users");
    assert.equal(operation["x-micro-endpoint"], "UsersService.Get");
    assert.deepEqual(
      params(operation).map((p) => [p["name"], p["in"], p["required"]]),
      [["id", "path", true]],
    );
    assert.match(String(operation["description"]), /caller's own data: `id` must be the token's subject, unless the caller has the `admin` role\./);
    assert.doesNotMatch(String(operation["description"]), /Without `id`/, "a path field is never absent");
    assert.deepEqual(operation["security"], [{ bearer: [] }]);
    assert.ok(responseCodes(operation).includes("404"));
  });

  test("openapi - POST /users: the whole request is the body, 201, admin only, 413 and 415", () => {
    const operation = op(withAuth, "post", "/users");
    const request = endpoint(contractRoutes(), "UsersService.Create").request;
    assert.deepEqual(bodySchema(operation), request);
    assert.equal((operation["requestBody"] as Obj)["required"], true);
    assert.deepEqual(responseCodes(operation), ["201", "400", "401", "403", "413", "415", "429", "503", "504", "default"]);
    assert.match(String(operation["description"]), /bearer token with the `admin` role/);
    const examples = ((operation["requestBody"] as Obj)["content"] as Obj)["application/json"] as Obj;
    assert.deepEqual(examples["examples"], { "Create-1": { value: { email: "alice@example.com", name: "Alice" } } });
  });

  test("openapi - PATCH /users/{id}: id from the path, the rest from the body with additionalProperties kept", () => {
    const operation = op(withAuth, "patch", "/users/{id}");
    assert.deepEqual(
      params(operation).map((p) => [p["name"], p["in"], p["required"]]),
      [["id", "path", true]],
    );
    const body = bodySchema(operation);
    assert.deepEqual(Object.keys(body["properties"] as Obj), ["email", "name"]);
    assert.equal(body["additionalProperties"], false);
    assert.equal(body["required"], undefined, "id was the only required field, and it is in the path");
    assert.equal((operation["requestBody"] as Obj)["required"], false);
    const example = (((operation["requestBody"] as Obj)["content"] as Obj)["application/json"] as Obj)["examples"] as Obj;
    assert.deepEqual(example["Update-1"], { value: { name: "Alice Liddell" } }, "the path field leaves the body example");
    assert.deepEqual((param(operation, "id")["examples"] as Obj)["Update-1"], { value: 1 });
    assert.ok(responseCodes(operation).includes("404"));
  });

  test("openapi - DELETE /users/{id}: 204 without content, no body", () => {
    const operation = op(withAuth, "delete", "/users/{id}");
    const responses = operation["responses"] as Obj;
    assert.deepEqual(responses["204"], { description: "No Content" });
    assert.equal(operation["requestBody"], undefined);
    assert.ok(!responseCodes(operation).includes("413"));
    assert.ok(responseCodes(operation).includes("404"));
  });

  test("openapi - POST /orders: body, 201, an optional Idempotency-Key header, the caller's own user_id", () => {
    const operation = op(withAuth, "post", "/orders");
    assert.deepEqual(bodySchema(operation)["required"], ["user_id", "product_id", "amount"]);
    assert.ok(responseCodes(operation).includes("201"));
    const key = param(operation, "Idempotency-Key");
    assert.equal(key["in"], "header");
    assert.equal(key["required"], false);
    assert.match(String(operation["description"]), /`user_id` must be the token's subject/);
    assert.match(String(operation["description"]), /Idempotency-Key/);
  });

  test("openapi - GET /orders: user_id, limit and offset from the query, none required", () => {
    const operation = op(withAuth, "get", "/orders");
    assert.deepEqual(
      params(operation).map((p) => [p["name"], p["in"], p["required"]]),
      [
        ["user_id", "query", false],
        ["limit", "query", false],
        ["offset", "query", false],
      ],
    );
    assert.ok(!responseCodes(operation).includes("404"));
    assert.match(String(operation["description"]), /Without `user_id` the request is about every caller's data, and needs that role\./);
  });

  test("openapi - POST /orders/{id}/cancel: everything in the path, so no body and no 413 or 415", () => {
    const operation = op(withAuth, "post", "/orders/{id}/cancel");
    assert.equal(operation["requestBody"], undefined);
    assert.deepEqual(responseCodes(operation), ["200", "400", "401", "403", "404", "429", "503", "504", "default"]);
    assert.match(String(operation["description"]), /Needs a bearer token\./);
  });

  test("openapi - binding.query: fields of a bodied method read from the query string", () => {
    const route: Route = {
      service: "reports",
      endpoint: {
        name: "ReportsService.Run",
        request: {
          type: "object",
          additionalProperties: false,
          required: ["id", "dry_run", "spec"],
          properties: { id: { type: "integer" }, dry_run: { type: "boolean" }, spec: { type: "string" } },
        },
        response: { type: "object", properties: {} },
        metadata: { auth: { role: "admin" } },
      },
      binding: { method: "PUT", path: "/reports/{id}", query: ["dry_run"] },
    };
    const operation = op(openApiDocument([route], OPTIONS), "put", "/reports/{id}");
    assert.deepEqual(
      params(operation).map((p) => [p["name"], p["in"], p["required"]]),
      [
        ["id", "path", true],
        ["dry_run", "query", true],
      ],
    );
    assert.deepEqual(bodySchema(operation), {
      type: "object",
      additionalProperties: false,
      required: ["spec"],
      properties: { spec: { type: "string" } },
    });
    assert.deepEqual((operation["responses"] as Obj)["204"], { description: "No Content" }, "a response without properties is a 204");
  });

  test("openapi - the bearer scheme with auth on; no scheme, security, 401 or 403 with auth off", () => {
    assert.deepEqual((withAuth.components["securitySchemes"] as Obj)["bearer"], {
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
      description: "A JWT the gateway verifies.",
    });
    assert.equal(withoutAuth.components["securitySchemes"], undefined);
    for (const [where, operation] of operations(withoutAuth)) {
      assert.equal(operation["security"], undefined, where);
      assert.ok(!responseCodes(operation).includes("401") && !responseCodes(operation).includes("403"), where);
      assert.doesNotMatch(String(operation["description"]), /token/, where);
    }
    const responses = withoutAuth.components["responses"] as Obj;
    assert.equal(responses["Unauthorized"], undefined);
  });

  test("openapi - error responses carry the error shape as a component schema", () => {
    assert.deepEqual((withAuth.components["schemas"] as Obj)["Error"], ERROR_SCHEMA);
    const responses = withAuth.components["responses"] as Obj;
    const names = ["BadRequest", "Unauthorized", "Forbidden", "NotFound", "PayloadTooLarge", "UnsupportedMediaType"];
    names.push("TooManyRequests", "ServiceUnavailable", "GatewayTimeout", "Error");
    for (const name of names) {
      const content = (responses[name] as Obj)["content"] as Obj;
      assert.deepEqual((content["application/json"] as Obj)["schema"], { $ref: "#/components/schemas/Error" }, name);
    }
    assert.ok(((responses["TooManyRequests"] as Obj)["headers"] as Obj)["Retry-After"]);
  });

  test("openapi - operation ids are unique, tags are the services, paths sorted", () => {
    const ids = operations(withAuth).map(([, operation]) => operation["operationId"]);
    assert.equal(new Set(ids).size, ids.length, String(ids));
    assert.deepEqual(withAuth.tags, [{ name: "orders" }, { name: "products" }, { name: "users" }]);
    const paths = Object.keys(withAuth.paths);
    assert.deepEqual(paths, [...paths].sort());
    assert.deepEqual(paths, ["/orders", "/orders/{id}", "/orders/{id}/cancel", "/products", "/products/{id}", "/users", "/users/{id}"]);

    const twice: Route[] = contractRoutes().filter((route) => route.endpoint.name === "UsersService.Delete");
    const aliased = [...twice, { ...twice[0]!, binding: { method: "DELETE", path: "/accounts/{id}" } } satisfies Route];
    const aliasIds = operations(openApiDocument(aliased, OPTIONS)).map(([, operation]) => operation["operationId"]);
    assert.deepEqual(aliasIds, ["UsersService.Delete", "UsersService.Delete_2"]);
  });

  test("openapi - the same routes in any order give the same document, byte for byte", () => {
    const routes = contractRoutes();
    const expected = JSON.stringify(openApiDocument(routes, OPTIONS));
    const reversed = JSON.stringify(openApiDocument([...routes].reverse(), OPTIONS));
    const rotated = JSON.stringify(openApiDocument([...routes.slice(5), ...routes.slice(0, 5)], OPTIONS));
    assert.equal(reversed, expected);
    assert.equal(rotated, expected);
  });

  test("openapi - the document is plain JSON: no undefined values, nothing JSON would drop or change", () => {
    for (const doc of [withAuth, withoutAuth]) assert.deepEqual(JSON.parse(JSON.stringify(doc)), doc);
  });
});
