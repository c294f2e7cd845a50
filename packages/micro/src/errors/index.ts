/**
 * The one error that crosses the wire: go-micro's `{id, code, detail, status}`, and a stable
 * `reason` (reasons.ts) when the error has one. A handler throws it, the transport carries its
 * JSON, and the caller rebuilds it intact, so the gateway can answer with the same code and
 * reason a backend chose.
 */
import { type Reason, isReason } from "./reasons.js";

export * from "./reasons.js";

export interface WireError {
  /** Who produced the error: a service name such as `users`, or `gateway`. */
  readonly id: string;
  /** An HTTP status code; the gateway answers with it. */
  readonly code: number;
  /** A sentence for a person; never a stack trace, SQL or a connection string. */
  readonly detail: string;
  /** The status text of `code`, e.g. `Not Found`. */
  readonly status: string;
  /** A stable snake_case word for what went wrong, e.g. `user_not_found`; absent when none applies. */
  readonly reason?: string;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export function statusText(code: number): string {
  return STATUS_TEXT[code] ?? (code >= 500 ? "Internal Server Error" : "Error");
}

export interface MicroErrorOptions {
  readonly cause?: unknown;
  /** See `WireError.reason`: one of a reasons table's, so a misspelt one does not compile. */
  readonly reason?: Reason;
  /** See `MicroError.local`. @default false */
  readonly local?: boolean;
}

export class MicroError extends Error implements WireError {
  readonly id: string;
  readonly code: number;
  readonly detail: string;
  readonly status: string;
  /** Typed as any string: an error rebuilt from the wire carries whatever reason its peer sent. */
  readonly reason: string | undefined;
  /**
   * Made on the caller's side without the callee having any part in it: a request the client
   * cannot encode, no node to send it to, a node that refused the connection, a circuit already
   * open. Such an error says nothing of the callee's health, so circuit breakers do not count it.
   * Set only by the client's own constructors, and never sent: `toJSON` leaves it out and
   * `fromWire` never sets it, so what a service answers always counts as the service's.
   */
  readonly local: boolean;

  constructor(id: string, code: number, detail: string, options?: MicroErrorOptions) {
    super(detail, options);
    this.name = "MicroError";
    this.id = id;
    this.code = code;
    this.detail = detail;
    this.status = statusText(code);
    this.reason = options?.reason;
    this.local = options?.local ?? false;
  }

  toJSON(): WireError {
    const wire = { id: this.id, code: this.code, detail: this.detail, status: this.status };
    return this.reason === undefined ? wire : { ...wire, reason: this.reason };
  }

  /**
   * Rebuilds an error from a decoded wire payload. Anything that is not a well-formed wire
   * error becomes a 500 from `fallbackId`, so a broken peer cannot make us leak its body. A
   * reason that is not a short snake_case word is dropped, for the same cause; one that is comes
   * through as sent, whichever table it is from, so the gateway passes a service's reason on.
   */
  static fromWire(value: unknown, fallbackId: string): MicroError {
    if (isWireError(value)) {
      const reason = (value as { reason?: unknown }).reason;
      return new MicroError(value.id, value.code, value.detail, isReason(reason) ? { reason: reason as Reason } : undefined);
    }
    return internal(fallbackId, "malformed error from " + fallbackId, { reason: "malformed_error" });
  }
}

function isWireError(value: unknown): value is WireError {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.id === "string" &&
    typeof v.code === "number" &&
    Number.isInteger(v.code) &&
    v.code >= 400 &&
    v.code <= 599 &&
    typeof v.detail === "string"
  );
}

export function isMicroError(value: unknown): value is MicroError {
  return value instanceof MicroError;
}

/**
 * A dependency (the database, say) cannot be reached right now. Not the caller's fault and not a
 * bug: the server answers 503 naming only the dependency, and the call may succeed later.
 */
export class DependencyUnavailableError extends Error {
  /** The 503's reason. @default "dependency_unavailable" */
  readonly reason: Reason;

  constructor(
    readonly dependency: string,
    options?: { cause?: unknown; reason?: Reason },
  ) {
    super(`${dependency} unavailable`, options);
    this.name = "DependencyUnavailableError";
    this.reason = options?.reason ?? "dependency_unavailable";
  }
}

/**
 * A dependency refused what the caller sent: the database cannot store a value, or the change
 * breaks a uniqueness or reference rule. The caller's fault, neither a bug nor an outage: the
 * server answers `status` (a 4xx) with `detail` under its own name, and hands the error, whose
 * cause is the dependency's own, to its `onRejected` for the log. `detail` is a plain sentence
 * for a person; it never holds SQL, values or the names of constraints.
 */
export class DependencyRejectedError extends Error {
  /** The 4xx's reason. @default "data_conflict" for a 409, else "value_not_storable" */
  readonly reason: Reason;

  constructor(
    readonly dependency: string,
    readonly status: number,
    readonly detail: string,
    options?: { cause?: unknown; reason?: Reason },
  ) {
    super(`${dependency} rejected the request: ${detail}`, options);
    this.name = "DependencyRejectedError";
    this.reason = options?.reason ?? (status === 409 ? "data_conflict" : "value_not_storable");
  }
}

type Constructor = (id: string, detail: string, options?: MicroErrorOptions) => MicroError;
const make =
  (code: number): Constructor =>
  (id, detail, options) =>
    new MicroError(id, code, detail, options);

export const badRequest = make(400);
export const unauthorized = make(401);
export const forbidden = make(403);
export const notFound = make(404);
export const methodNotAllowed = make(405);
/** go-micro's timeout: the callee's own deadline ran out. */
export const timeout = make(408);
export const conflict = make(409);
export const payloadTooLarge = make(413);
export const unprocessable = make(422);
export const tooManyRequests = make(429);
export const internal = make(500);
export const unavailable = make(503);
/** A downstream did not answer within the caller's deadline. */
export const gatewayTimeout = make(504);
