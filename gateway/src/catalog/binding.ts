/**
 * What one HTTP binding means for one endpoint: which request fields its path, query string and
 * body carry, and the status of a success. Checked when the gateway reads the catalog, so a
 * binding that cannot work (a path field the request does not have, a malformed template) is
 * refused with one log line instead of failing each request.
 */
import type { Endpoint, HttpBinding, HttpMethod } from "@gw/micro";
import { HTTP_METHODS } from "@gw/micro";

/** A binding made ready to serve. */
export interface Binding {
  readonly method: HttpMethod;
  /** The template as the contract wrote it: `/users/{id}`. */
  readonly template: string;
  /** The template in the router's syntax: `/users/:id`; also the route label of logs and metrics. */
  readonly pattern: string;
  /** Path parameters in template order. */
  readonly pathFields: readonly string[];
  /** True: every field not in the path comes from the query string (GET, DELETE). */
  readonly queryTakesRest: boolean;
  /** Fields read from the query string for a method with a body. */
  readonly queryFields: ReadonlySet<string>;
  /** Query fields whose presence selects this binding. */
  readonly when: readonly string[];
  readonly status: number;
  /** Whether a success has a body: a 204 has none. */
  readonly hasBody: boolean;
}

const SEGMENT = /^[A-Za-z0-9._~-]+$/;
const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** The binding ready to serve, or why it cannot be served. */
export function readBinding(endpoint: Endpoint, binding: HttpBinding): Binding | string {
  if (!HTTP_METHODS.includes(binding.method)) return `method ${String(binding.method)} is not one of ${HTTP_METHODS.join(", ")}`;
  const template = binding.path;
  if (typeof template !== "string" || !template.startsWith("/") || template.length > 512) return `path ${String(template)} must start with /`;
  const fields = propertiesOf(endpoint.request);
  const pathFields: string[] = [];
  const segments = template === "/" ? [] : template.slice(1).split("/");
  const routed: string[] = [];
  for (const segment of segments) {
    const param = PARAM.exec(segment);
    if (param !== null) {
      const field = param[1] as string;
      if (!fields.has(field)) return `path ${template} names {${field}}, which the request of ${endpoint.name} does not have`;
      if (pathFields.includes(field)) return `path ${template} names {${field}} twice`;
      pathFields.push(field);
      routed.push(`:${field}`);
    } else if (SEGMENT.test(segment)) {
      routed.push(segment);
    } else {
      return `path ${template} has a segment "${segment}" that is neither a {field} nor plain characters`;
    }
  }
  const queryTakesRest = binding.method === "GET" || binding.method === "DELETE";
  const queryFields = new Set(binding.query ?? []);
  const when = [...(binding.when ?? [])];
  for (const field of [...queryFields, ...when]) {
    if (!fields.has(field)) return `${template} reads ${field} from the query string, which the request of ${endpoint.name} does not have`;
  }
  if (when.length > 0 && !queryTakesRest && when.some((f) => !queryFields.has(f))) {
    return `${template}: a "when" field must come from the query string`;
  }
  const hasBody = propertiesOf(endpoint.response).size > 0;
  const status = binding.status ?? (hasBody ? 200 : 204);
  if (!Number.isInteger(status) || status < 200 || status > 299) return `${template}: status ${status} is not a success`;
  return {
    method: binding.method,
    template,
    pattern: `/${routed.join("/")}`,
    pathFields,
    queryTakesRest,
    queryFields,
    when,
    status,
    hasBody: status !== 204,
  };
}

/** The property names of an object schema. */
export function propertiesOf(schema: unknown): Set<string> {
  const properties = (schema as { properties?: unknown } | undefined)?.properties;
  return new Set(typeof properties === "object" && properties !== null ? Object.keys(properties) : []);
}
