/**
 * Turns an HTTP request into the request of the endpoint its route serves: path parameters, the
 * query string and the JSON body merged into one object, then checked against the endpoint's own
 * request schema, the one its service registered and validates against too. Nothing here is
 * declared a second time: the schema is the catalog's.
 *
 * Path and query values are strings on the wire. A value whose schema says integer or number is
 * converted only when it is plainly written (`12`, `-3`, `1.5`): not ` 1`, `1e3`, `0x10` or `01`,
 * which stay strings and fail validation with a sentence that names the field, as Ajv's own
 * coercion would not.
 */
import { type ValidateFunction, badRequest, createAjv, describeValidationError } from "@gw/micro";
import { GATEWAY_ID } from "../errors.js";
import type { Match } from "./route-table.js";

const INVALID = { reason: "invalid_request" } as const;
const INTEGER = /^-?(0|[1-9][0-9]{0,15})$/;
const NUMBER = /^-?(0|[1-9][0-9]{0,15})(\.[0-9]{1,16})?$/;

export interface HttpParts {
  readonly query: unknown;
  readonly body: unknown;
}

/**
 * The request's fields as they arrived, before conversion and validation: what an authorization
 * rule looks at. Throws a 400 for a body that is not an object or that repeats a path field.
 */
export function rawFields(match: Match, http: HttpParts): Record<string, unknown> {
  const { served } = match.route;
  const entries: [string, unknown][] = [];
  for (const field of served.pathFields) entries.push([field, match.params[field]]);
  const query = objectOr(http.query, {});
  for (const [field, value] of Object.entries(query)) {
    if (served.queryTakesRest || served.queryFields.has(field)) entries.push([field, value]);
  }
  if (!served.queryTakesRest && http.body === undefined && takesBody(match, entries)) {
    throw badRequest(GATEWAY_ID, "body: is required", { reason: "body_required" });
  }
  if (!served.queryTakesRest && http.body !== undefined) {
    if (typeof http.body !== "object" || http.body === null || Array.isArray(http.body)) {
      throw badRequest(GATEWAY_ID, "body: must be an object", INVALID);
    }
    const taken = new Set(entries.map(([field]) => field));
    for (const [field, value] of Object.entries(http.body)) {
      if (taken.has(field)) throw badRequest(GATEWAY_ID, `${field}: comes from the ${served.pathFields.includes(field) ? "path" : "query string"}, not the body`, INVALID);
      entries.push([field, value]);
    }
  }
  // fromEntries defines every key as an own property, `__proto__` included, so a query or body
  // cannot reach a prototype; the schema then refuses any name it does not know.
  return Object.fromEntries(entries);
}

/** The endpoint's request: `raw` with path and query strings converted, validated. Throws a 400 naming the field. */
export function callRequest(match: Match, raw: Record<string, unknown>): Record<string, unknown> {
  const { served, endpoint } = match.route;
  const properties = (endpoint.request as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  const fromStrings = new Set([...served.pathFields, ...(served.queryTakesRest ? Object.keys(raw) : served.queryFields)]);
  for (const field of fromStrings) {
    const value = raw[field];
    if (typeof value === "string" && Object.hasOwn(properties, field)) raw[field] = converted(value, properties[field]?.type);
  }
  const validate = validatorOf(endpoint.request);
  if (!validate(raw)) throw badRequest(GATEWAY_ID, describeValidationError(validate.errors, "body"), INVALID);
  return raw;
}

/** Whether the request needs fields only a body can give: some required field the path and query did not. */
function takesBody(match: Match, given: readonly [string, unknown][]): boolean {
  const required = (match.route.endpoint.request as { required?: unknown }).required;
  if (!Array.isArray(required)) return false;
  const from = new Set(given.map(([field]) => field));
  return required.some((field) => typeof field === "string" && !from.has(field));
}

function converted(value: string, type: unknown): unknown {
  if (type === "integer" && INTEGER.test(value)) return Number(value);
  if (type === "number" && NUMBER.test(value)) return Number(value);
  if (type === "boolean" && (value === "true" || value === "false")) return value === "true";
  return value;
}

/** One compiled validator per registered schema object; a new catalog brings new objects. */
const validators = new WeakMap<object, ValidateFunction>();
const ajv = createAjv();

function validatorOf(schema: object): ValidateFunction {
  let validate = validators.get(schema);
  if (validate === undefined) {
    validate = ajv.compile(schema);
    validators.set(schema, validate);
  }
  return validate;
}

function objectOr(value: unknown, fallback: Record<string, unknown>): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : fallback;
}
