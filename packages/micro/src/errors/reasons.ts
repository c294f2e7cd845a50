/**
 * Stable reasons: a machine-readable word beside an error's `detail`, as Fastify's FST_ERR_*
 * codes, so a caller can tell two errors of one status apart (a 503 of an open circuit from one
 * with no node) without reading a sentence meant for a person, which may be reworded any day.
 *
 * This table holds the reasons the toolkit and the shared database layer produce; it knows no
 * application. An application keeps its own table and merges it into `ErrorReasons`, so that
 * the error constructors accept its reasons too and refuse a misspelt one at compile time:
 *
 *   type AppReasonTable = typeof APP_REASONS;
 *   declare module "@gw/micro" { interface ErrorReasons extends AppReasonTable {} }
 */

export interface ReasonEntry {
  /** The codes an error with this reason comes with. */
  readonly status: readonly number[];
  /** What it means for the caller, for the README's list. */
  readonly meaning: string;
}

/** A reason travels as a short snake_case word; anything else a peer sends is dropped. */
export const REASON_PATTERN = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
export const MAX_REASON_LENGTH = 64;

export function isReason(value: unknown): value is string {
  return typeof value === "string" && value.length <= MAX_REASON_LENGTH && REASON_PATTERN.test(value);
}

export const MICRO_REASONS = {
  // The request as a server or an HTTP edge received it.
  invalid_request: { status: [400], meaning: "the request does not match the endpoint's schema; the detail names the field" },
  invalid_json: { status: [400], meaning: "the body is not valid JSON" },
  nesting_too_deep: { status: [400], meaning: "the body nests deeper than the limit (64 levels)" },
  body_too_large: { status: [413], meaning: "the body exceeds the limit: 1 MiB at the gateway, 4 MiB for an RPC" },
  endpoint_not_found: { status: [404], meaning: "the service has no such endpoint" },
  route_not_found: { status: [404], meaning: "no route for this path" },
  method_not_allowed: { status: [405], meaning: "the path has routes, not for this method; `Allow` lists them" },
  protocol_error: { status: [400], meaning: "the call does not follow the transport's protocol" },
  invalid_metadata: { status: [400], meaning: "a call's metadata key is not a lower-case token" },
  unencodable_request: { status: [400], meaning: "the request cannot be encoded" },

  // Trust between programs.
  credential_required: { status: [401], meaning: "the call carries no call credential" },
  credential_invalid: { status: [401], meaning: "the call credential is malformed, forged, expired or for another service" },

  // Reaching the callee.
  no_node: { status: [503], meaning: "the service has no reachable node; retry later" },
  registry_unavailable: { status: [503], meaning: "the registry cannot be asked where the service is; retry later" },
  circuit_open: { status: [503], meaning: "the service is failing and calls to it are held off for a moment; retry later" },
  connection_lost: { status: [503], meaning: "the connection broke before the answer came; the call may or may not have run" },
  call_failed: { status: [503], meaning: "the call failed on its way; it may or may not have run" },
  shutting_down: { status: [503], meaning: "the node is shutting down; retry, another node will answer" },
  not_ready: { status: [503], meaning: "the program is not ready to serve" },
  deadline_exceeded: { status: [504], meaning: "no answer within the call's deadline; the call may or may not have run" },

  // Dependencies of a service: its database.
  database_unavailable: { status: [503], meaning: "the service's database cannot be reached; retry later" },
  dependency_unavailable: { status: [503], meaning: "a dependency of the service cannot be reached; retry later" },
  value_not_storable: { status: [400], meaning: "a value cannot be stored as it is (too long, out of range, a character the database refuses)" },
  duplicate_value: { status: [409], meaning: "a record with the same unique value already exists" },
  data_conflict: { status: [409], meaning: "the change conflicts with the existing data" },

  // Not the caller's doing.
  internal_error: { status: [500], meaning: "a bug; the log has it under the request id" },
  response_too_large: { status: [500], meaning: "the answer exceeds what the transport carries" },
  malformed_error: { status: [500], meaning: "the callee answered an error that is not in the error shape" },
} as const satisfies Readonly<Record<string, ReasonEntry>>;

type MicroReasonTable = typeof MICRO_REASONS;

/** Every reason an error can be made with; an application's table merges in here (see above). */
export interface ErrorReasons extends MicroReasonTable {}

export type Reason = keyof ErrorReasons & string;
export type MicroReason = keyof MicroReasonTable;
