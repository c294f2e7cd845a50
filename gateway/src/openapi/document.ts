/**
 * The gateway's API as an OpenAPI 3.1 document, built from the live catalog: the routes that the
 * registered services' endpoints declare (catalog/route.ts). A pure function of its input, with
 * paths, methods and alternatives in a fixed order, so two documents can be compared as text.
 *
 * How a binding maps onto HTTP is the catalog's rule (HttpBinding in @gw/micro): path template
 * fields come from the path; for GET and DELETE every other request field from the query string,
 * for the other methods from the JSON body except the fields in `binding.query`. Several routes
 * may share one method and path, told apart by `binding.when` (`GET /users?id=1` is
 * `UsersService.Get`, `GET /users` `UsersService.List`); OpenAPI has one operation per method and
 * path, so those become one operation that names each alternative.
 */
import { type AuthRule, type Endpoint, type EndpointExample, type JsonSchema, HTTP_METHODS, statusText } from "@gw/micro";
import { ADMIN_ROLE } from "../auth/identity.js";
import type { Route } from "../catalog/route.js";

export interface OpenApiOptions {
  readonly title: string;
  readonly version: string;
  /** Whether the gateway checks bearer tokens: security schemes, 401 and 403 only then. */
  readonly auth: boolean;
}

export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json | undefined };
type JsonObject = { [key: string]: Json | undefined };

export interface OpenApiDocument {
  readonly openapi: "3.1.0";
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly tags: readonly { readonly name: string }[];
  readonly paths: Readonly<Record<string, Readonly<Record<string, JsonObject>>>>;
  readonly components: JsonObject;
}

/** The bearer scheme's name in `components.securitySchemes`. */
export const BEARER_SCHEME = "bearer";

/** The wire error: go-micro's shape, what every 4xx and 5xx carries. */
export const ERROR_SCHEMA = {
  type: "object",
  description: "go-micro's error shape; the HTTP status equals `code`.",
  required: ["id", "code", "detail", "status"],
  properties: {
    id: { type: "string", description: "Who produced the error: `gateway` or a service name such as `users`." },
    code: { type: "integer", description: "The HTTP status code." },
    detail: { type: "string", description: "A sentence for a person; bad input names the field first (`id: must be a positive integer`)." },
    status: { type: "string", description: "The status text, e.g. `Bad Request`." },
    reason: { type: "string", description: "A short machine-readable reason, when the error has one." },
  },
} as const satisfies Json;

interface ErrorResponse {
  readonly name: string;
  readonly description: string;
  /** Who typically answers it, and what it says: the example in the document. */
  readonly example: readonly [id: string, detail: string];
  readonly headers?: JsonObject;
}

/** The error answers an operation may give, by status; which ones apply is decided per operation. */
const ERROR_RESPONSES: Readonly<Record<number, ErrorResponse>> = {
  400: { name: "BadRequest", description: "Invalid input; `detail` names the field.", example: ["gateway", "id: must be a positive integer"] },
  401: { name: "Unauthorized", description: "No bearer token, or one that does not verify.", example: ["gateway", "a Bearer token is required"],
    headers: { "WWW-Authenticate": { description: "The RFC 6750 challenge.", schema: { type: "string" } } } },
  403: { name: "Forbidden", description: "The token verified, but its caller may not do this.", example: ["gateway", "this needs the admin role"] },
  404: { name: "NotFound", description: "Nothing has this id.", example: ["billing", "invoice 7 not found"] },
  413: { name: "PayloadTooLarge", description: "The body exceeds 1 MiB.", example: ["gateway", "body: exceeds the 1 MiB limit"] },
  415: { name: "UnsupportedMediaType", description: "The body is not `application/json`.", example: ["gateway", "content-type: must be application/json"] },
  429: {
    name: "TooManyRequests",
    description: "The caller exceeded its rate limit; `Retry-After` says when to try again.",
    example: ["gateway", "rate limit exceeded"],
    headers: { "Retry-After": { description: "Whole seconds to wait, at least 1.", schema: { type: "integer", minimum: 1 } } },
  },
  503: {
    name: "ServiceUnavailable",
    description: "No node of the service that answers this is available, or its circuit is open.",
    example: ["billing", "service billing has no reachable node"],
  },
  504: { name: "GatewayTimeout", description: "The service did not answer within the deadline.", example: ["billing", "deadline exceeded"] },
};

const DEFAULT_ERROR = "Error";
const SUCCESS_TEXT: Readonly<Record<number, string>> = { 200: "OK", 201: "Created", 202: "Accepted", 204: "No Content" };
const IDEMPOTENCY_HEADER = "Idempotency-Key";

/** The OpenAPI document for `routes`. */
export function openApiDocument(routes: readonly Route[], options: OpenApiOptions): OpenApiDocument {
  const groups = new Map<string, Route[]>();
  for (const route of routes) {
    const key = `${route.binding.path} ${route.binding.method}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [route]);
    else group.push(route);
  }

  const paths: Record<string, Record<string, JsonObject>> = {};
  const operationIds = new Set<string>();
  const tags = new Set<string>();
  const sortedPaths = [...new Set(routes.map((route) => route.binding.path))].sort(compareText);
  for (const path of sortedPaths) {
    const item: Record<string, JsonObject> = {};
    for (const method of HTTP_METHODS) {
      const group = groups.get(`${path} ${method}`);
      if (group === undefined) continue;
      const alternatives = group.map((route) => alternativeOf(route)).sort(compareAlternatives);
      for (const alternative of alternatives) tags.add(alternative.route.service);
      item[method.toLowerCase()] = operation(path, alternatives, options, operationIds);
    }
    paths[path] = item;
  }

  return {
    openapi: "3.1.0",
    info: {
      title: options.title,
      version: options.version,
      description:
        "Built from the live catalog: the endpoints the registered services declare. Every error has go-micro's shape " +
        "`{id, code, detail, status}` with the HTTP status equal to `code`, and every response carries `x-request-id`.",
    },
    tags: [...tags].sort(compareText).map((name) => ({ name })),
    paths,
    components: components(options),
  };
}

/** One route of a method and path, with where each of its request fields comes from. */
interface Alternative {
  readonly route: Route;
  readonly endpoint: Endpoint;
  readonly when: readonly string[];
  readonly pathFields: readonly string[];
  readonly queryFields: readonly string[];
  /** The request schema less the path and query fields; undefined when nothing is left. */
  readonly body: JsonObject | undefined;
  readonly status: number;
  readonly properties: Readonly<Record<string, Json>>;
  readonly required: ReadonlySet<string>;
}

function alternativeOf(route: Route): Alternative {
  const { endpoint, binding } = route;
  const properties = propertiesOf(endpoint.request);
  const required = new Set(requiredOf(endpoint.request));
  const pathFields = pathFieldsOf(binding.path);
  const inPath = new Set(pathFields);
  const fields = Object.keys(properties).filter((field) => !inPath.has(field));
  const bodyless = binding.method === "GET" || binding.method === "DELETE";
  const listedQuery = new Set(binding.query ?? []);
  const queryFields = bodyless ? fields : fields.filter((field) => listedQuery.has(field));
  const bodyFields = bodyless ? [] : fields.filter((field) => !listedQuery.has(field));
  return {
    route,
    endpoint,
    when: binding.when ?? [],
    pathFields,
    queryFields,
    body: bodyFields.length === 0 ? undefined : bodySchema(endpoint.request, properties, bodyFields),
    status: binding.status ?? (Object.keys(propertiesOf(endpoint.response)).length === 0 ? 204 : 200),
    properties,
    required,
  };
}

/** Alternatives with `when` fields first (the most specific first), then by name: the order the gateway tries them in. */
function compareAlternatives(a: Alternative, b: Alternative): number {
  return b.when.length - a.when.length || compareText(a.endpoint.name, b.endpoint.name) || compareText(a.route.service, b.route.service);
}

function operation(path: string, alternatives: readonly Alternative[], options: OpenApiOptions, operationIds: Set<string>): JsonObject {
  const merged = alternatives.length > 1;
  const rules = alternatives.map((alternative) => alternative.endpoint.metadata.auth);
  const needsToken = rules.map((rule) => options.auth && rule !== "public");
  const hasBody = alternatives.some((alternative) => alternative.body !== undefined);

  const op: JsonObject = {
    operationId: uniqueId(alternatives.map((alternative) => alternative.endpoint.name).join("_or_"), operationIds),
    tags: [...new Set(alternatives.map((alternative) => alternative.route.service))].sort(compareText),
    summary: merged
      ? alternatives.map((alternative) => `${labelOf(alternative, merged)}: ${summaryOf(alternative.endpoint)}`).join("; ")
      : summaryOf(alternatives[0]!.endpoint),
    description: alternatives.map((alternative) => describe(alternative, merged, options)).join("\n\n"),
  };
  const parameters = parametersOf(alternatives);
  if (parameters.length > 0) op["parameters"] = parameters;
  if (hasBody) op["requestBody"] = requestBodyOf(alternatives);
  op["responses"] = responsesOf(path, alternatives, hasBody, needsToken.some(Boolean));
  if (needsToken.every(Boolean)) op["security"] = [{ [BEARER_SCHEME]: [] }];
  // An empty requirement makes the token optional: some alternatives need one, others do not.
  else if (needsToken.some(Boolean)) op["security"] = [{}, { [BEARER_SCHEME]: [] }];
  if (!merged) {
    op["x-micro-service"] = alternatives[0]!.route.service;
    op["x-micro-endpoint"] = alternatives[0]!.endpoint.name;
  }
  op["x-micro-endpoints"] = alternatives.map((alternative) => ({
    service: alternative.route.service,
    endpoint: alternative.endpoint.name,
    ...(alternative.when.length > 0 ? { when: [...alternative.when] } : {}),
  }));
  return op;
}

/** `with id`, or `otherwise` for the alternative chosen when no `when` field is present. */
function labelOf(alternative: Alternative, merged: boolean): string {
  if (alternative.when.length > 0) return `with ${alternative.when.join(" and ")}`;
  return merged ? "otherwise" : "";
}

function summaryOf(endpoint: Endpoint): string {
  return endpoint.metadata.summary ?? endpoint.name;
}

function describe(alternative: Alternative, merged: boolean, options: OpenApiOptions): string {
  const { endpoint } = alternative;
  const lines: string[] = [];
  const head = `\`${endpoint.name}\`${endpoint.metadata.summary !== undefined ? `: ${endpoint.metadata.summary}` : ""}`;
  lines.push(merged ? `**${labelOf(alternative, merged)}**: ${head}` : head);
  if (endpoint.metadata.description !== undefined) lines.push(endpoint.metadata.description);
  if (options.auth) lines.push(describeRule(endpoint.metadata.auth, alternative));
  if (endpoint.metadata.idempotencyKey === true) {
    lines.push(`Honours \`${IDEMPOTENCY_HEADER}\`: a repeat with the same key answers as the first call did.`);
  }
  return lines.join("\n\n");
}

function describeRule(rule: AuthRule | undefined, alternative: Alternative): string {
  if (rule === undefined) return "No auth rule is declared, so every caller is refused while auth is on.";
  if (rule === "public") return "Public: no token needed.";
  if (rule === "authenticated") return "Needs a bearer token.";
  if ("role" in rule) return `Needs a bearer token with the \`${rule.role}\` role.`;
  const field = rule.self;
  const own = `Needs a bearer token, for the caller's own data: \`${field}\` must be the token's subject`;
  // A field the request always has cannot be left out; saying what its absence means would mislead.
  const always = alternative.pathFields.includes(field) || alternative.required.has(field);
  return always
    ? `${own}, unless the caller has the \`${ADMIN_ROLE}\` role.`
    : `${own}, unless the caller has the \`${ADMIN_ROLE}\` role. Without \`${field}\` the request is about every caller's data, ` +
        `and needs that role.`;
}

function parametersOf(alternatives: readonly Alternative[]): JsonObject[] {
  const first = alternatives[0]!;
  const parameters: JsonObject[] = first.pathFields.map((field) => ({
    name: field,
    in: "path",
    required: true,
    schema: sharedSchema(alternatives.map((alternative) => alternative.properties[field] ?? { type: "string" })),
    ...parameterExamples(alternatives, field),
  }));

  const queryFields: string[] = [];
  for (const alternative of alternatives) {
    for (const field of alternative.queryFields) if (!queryFields.includes(field)) queryFields.push(field);
  }
  const merged = alternatives.length > 1;
  for (const field of queryFields) {
    const takers = alternatives.filter((alternative) => alternative.queryFields.includes(field));
    const selects = alternatives.filter((alternative) => alternative.when.includes(field));
    // Required only when no alternative can be chosen without it.
    const required = selects.length === 0 && takers.length === alternatives.length && takers.every((alternative) => alternative.required.has(field));
    const notes: string[] = [];
    for (const alternative of selects) notes.push(`Present: selects \`${alternative.endpoint.name}\` (${summaryOf(alternative.endpoint)}).`);
    if (merged && selects.length === 0 && takers.length < alternatives.length) {
      notes.push(`Read by ${takers.map((alternative) => `\`${alternative.endpoint.name}\``).join(", ")} only.`);
    }
    const schema = sharedSchema(takers.map((alternative) => alternative.properties[field]!));
    const own = descriptionOf(schema);
    const description = [own, ...notes].filter((text) => text !== undefined).join(" ");
    parameters.push({
      name: field,
      in: "query",
      required,
      ...(description !== "" ? { description } : {}),
      schema,
      ...parameterExamples(takers, field),
    });
  }

  if (alternatives.some((alternative) => alternative.endpoint.metadata.idempotencyKey === true)) {
    parameters.push({
      name: IDEMPOTENCY_HEADER,
      in: "header",
      required: false,
      description: "1 to 255 visible ASCII characters. A repeat with the same key (per caller) answers as the first call did and changes nothing more.",
      schema: { type: "string", pattern: "^[!-~]{1,255}$" },
    });
  }
  return parameters;
}

function parameterExamples(alternatives: readonly Alternative[], field: string): JsonObject {
  const examples: JsonObject = {};
  for (const alternative of alternatives) {
    forEachExample(alternative, (key, example) => {
      const request = asObject(example.request);
      if (request !== undefined && Object.hasOwn(request, field)) examples[key] = exampleOf(example, request[field] as Json);
    });
  }
  return Object.keys(examples).length > 0 ? { examples } : {};
}

function requestBodyOf(alternatives: readonly Alternative[]): JsonObject {
  const withBody = alternatives.filter((alternative) => alternative.body !== undefined);
  const examples: JsonObject = {};
  for (const alternative of withBody) {
    const fields = new Set(Object.keys(alternative.body!["properties"] as object));
    forEachExample(alternative, (key, example) => {
      const request = asObject(example.request);
      if (request === undefined) return;
      examples[key] = exampleOf(example, Object.fromEntries(Object.entries(request).filter(([field]) => fields.has(field))) as Json);
    });
  }
  const required = withBody.length === alternatives.length && withBody.every((alternative) => requiredOf(alternative.body!).length > 0);
  return {
    required,
    content: {
      "application/json": {
        schema: sharedSchema(withBody.map((alternative) => alternative.body!)),
        ...(Object.keys(examples).length > 0 ? { examples } : {}),
      },
    },
  };
}

function responsesOf(path: string, alternatives: readonly Alternative[], hasBody: boolean, needsToken: boolean): JsonObject {
  const responses: JsonObject = {};
  const merged = alternatives.length > 1;
  const statuses = [...new Set(alternatives.map((alternative) => alternative.status))].sort((a, b) => a - b);
  for (const status of statuses) {
    const these = alternatives.filter((alternative) => alternative.status === status);
    const description = merged
      ? these.map((alternative) => `${labelOf(alternative, merged)}: ${summaryOf(alternative.endpoint)}`).join("; ")
      : (SUCCESS_TEXT[status] ?? summaryOf(these[0]!.endpoint));
    if (status === 204 || status === 205 || status === 304) {
      responses[String(status)] = { description };
      continue;
    }
    const examples: JsonObject = {};
    for (const alternative of these) {
      forEachExample(alternative, (key, example) => {
        if (example.response !== undefined) examples[key] = exampleOf(example, example.response as Json);
      });
    }
    responses[String(status)] = {
      description,
      content: {
        "application/json": {
          schema: sharedSchema(these.map((alternative) => alternative.endpoint.response as Json)),
          ...(Object.keys(examples).length > 0 ? { examples } : {}),
        },
      },
    };
  }

  const errors = [400];
  if (needsToken) errors.push(401, 403);
  if (pathFieldsOf(path).length > 0) errors.push(404);
  if (hasBody) errors.push(413, 415);
  errors.push(429, 503, 504);
  for (const status of errors) responses[String(status)] = { $ref: `#/components/responses/${ERROR_RESPONSES[status]!.name}` };
  responses["default"] = { $ref: `#/components/responses/${DEFAULT_ERROR}` };
  return responses;
}

function components(options: OpenApiOptions): JsonObject {
  const errorContent = (status: number, [id, detail]: readonly [string, string]): JsonObject => ({
    "application/json": {
      schema: { $ref: "#/components/schemas/Error" },
      example: { id, code: status, detail, status: statusText(status) },
    },
  });
  const responses: JsonObject = {};
  for (const [status, error] of Object.entries(ERROR_RESPONSES)) {
    if (!options.auth && (status === "401" || status === "403")) continue;
    responses[error.name] = {
      description: error.description,
      ...(error.headers !== undefined ? { headers: error.headers } : {}),
      content: errorContent(Number(status), error.example),
    };
  }
  responses[DEFAULT_ERROR] = {
    description: "Any other error, in the same shape: a conflict (409), a request the service refuses (422), an internal error (500).",
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  };
  return {
    schemas: { Error: ERROR_SCHEMA },
    responses,
    ...(options.auth
      ? { securitySchemes: { [BEARER_SCHEME]: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "A JWT the gateway verifies." } } }
      : {}),
  };
}

function forEachExample(alternative: Alternative, visit: (key: string, example: EndpointExample) => void): void {
  const short = alternative.endpoint.name.slice(alternative.endpoint.name.lastIndexOf(".") + 1);
  (alternative.endpoint.metadata.examples ?? []).forEach((example, i) => visit(`${short}-${i + 1}`, example));
}

function exampleOf(example: EndpointExample, value: Json): JsonObject {
  return example.summary !== undefined ? { summary: example.summary, value } : { value };
}

/** The request schema with only `fields`: `required` filtered, everything else (`additionalProperties: false`) kept. */
function bodySchema(request: JsonSchema, properties: Readonly<Record<string, Json>>, fields: readonly string[]): JsonObject {
  const keep = new Set(fields);
  const body: JsonObject = { ...(request as JsonObject), properties: Object.fromEntries(fields.map((field) => [field, properties[field]])) };
  const required = requiredOf(request).filter((field) => keep.has(field));
  if (required.length > 0) body["required"] = required;
  else delete body["required"];
  // Fields the path or query string carries were required, and counted by minProperties too.
  const minimum = request["minProperties"];
  if (typeof minimum === "number") {
    const moved = requiredOf(request).filter((field) => !keep.has(field)).length;
    if (minimum - moved > 0) body["minProperties"] = minimum - moved;
    else delete body["minProperties"];
  }
  return body;
}

/** One schema when every alternative has the same, else `oneOf` the distinct ones in order. */
function sharedSchema(schemas: readonly Json[]): Json {
  const distinct = new Map<string, Json>();
  for (const schema of schemas) {
    const key = canonical(schema);
    if (!distinct.has(key)) distinct.set(key, schema);
  }
  const list = [...distinct.values()];
  return list.length === 1 ? list[0]! : { oneOf: list };
}

function propertiesOf(schema: JsonSchema): Readonly<Record<string, Json>> {
  const properties = schema["properties"];
  return typeof properties === "object" && properties !== null ? (properties as Record<string, Json>) : {};
}

function requiredOf(schema: JsonSchema): string[] {
  const required = schema["required"];
  return Array.isArray(required) ? required.filter((field): field is string => typeof field === "string") : [];
}

function descriptionOf(schema: Json): string | undefined {
  const description = asObject(schema)?.["description"];
  return typeof description === "string" ? description : undefined;
}

function pathFieldsOf(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);
}

function asObject(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function uniqueId(base: string, taken: Set<string>): string {
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}_${n}`;
  taken.add(id);
  return id;
}

/** JSON with object keys sorted: equal schemas give equal text whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => compareText(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** By UTF-16 code units: the same order on every machine, whatever its locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
