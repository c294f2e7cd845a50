/**
 * What an endpoint says about itself beyond its request and response schemas, written once in
 * its contract and registered with every node: how HTTP reaches it, who may call it, what it is
 * for, and examples. The gateway builds its routes, checks and API documents from this; the CLI,
 * the dashboard and the MCP endpoint read it too. The toolkit carries it and checks its shape;
 * what a rule allows is the reader's business (the gateway interprets rules).
 */

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
export const HTTP_METHODS: readonly HttpMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/**
 * One way HTTP reaches an endpoint. Fields named in the path template (`/users/{id}`) come from
 * the path; for GET and DELETE every other field comes from the query string, for the other
 * methods from the body, except those listed in `query`.
 */
export interface HttpBinding {
  readonly method: HttpMethod;
  /** A path template: `/users/{id}`; each `{field}` is a whole segment. */
  readonly path: string;
  /** Fields read from the query string even though the method has a body. */
  readonly query?: readonly string[];
  /**
   * Query fields that must be present for this binding to be chosen: `GET /users?id=1` is
   * `UsersService.Get` (when: ["id"]), `GET /users` without it `UsersService.List`.
   */
  readonly when?: readonly string[];
  /** The success status. @default 200, or 204 when the response schema has no properties */
  readonly status?: number;
}

/**
 * Who may call an endpoint: anyone; anyone whose token verified; callers with a role; or a caller
 * acting on its own data, where the request field `self` must equal the caller's subject (a
 * request without the field is about many callers, and needs the `role` the reader treats as
 * all-powerful). An endpoint without a rule is refused while auth is on: rules fail closed.
 */
export type AuthRule = "public" | "authenticated" | { readonly role: string } | { readonly self: string };

export interface EndpointExample {
  readonly summary?: string;
  readonly request: unknown;
  readonly response?: unknown;
}

export interface EndpointDocs {
  /** One line: what the endpoint does. */
  readonly summary?: string;
  readonly description?: string;
  readonly examples?: readonly EndpointExample[];
}

export interface EndpointCatalog extends EndpointDocs {
  /** How HTTP reaches it; none: only `/rpc` and other callers of the toolkit's client do. */
  readonly http?: readonly HttpBinding[];
  readonly auth?: AuthRule;
  /** Safe to repeat: the client may retry it after a connection broke mid-call. */
  readonly idempotent?: boolean;
  /**
   * Honours an idempotency key: a repeat with the same key answers as the first call did. The
   * gateway passes a client's `Idempotency-Key` header on to it, and may retry such a call.
   */
  readonly idempotencyKey?: boolean;
}

/** A JSON Schema, as plain data. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** One endpoint as a node registers it: go-micro's `Endpoint{name, request, response, metadata}`. */
export interface Endpoint {
  /** `UsersService.Get`. */
  readonly name: string;
  readonly request: JsonSchema;
  readonly response: JsonSchema;
  readonly metadata: EndpointCatalog;
}
