/**
 * Every gateway error leaves in go-micro's shape with the HTTP status equal to `code`.
 * Fastify's own failures (bad JSON, body too large, schema violations) are translated here,
 * and nothing internal reaches a client in a 5xx: the logs get it, under the request id.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { MicroError, badRequest, describeValidationError, internal, isMicroError, payloadTooLarge } from "@gw/micro";

export const GATEWAY_ID = "gateway";

const INVALID_JSON = { reason: "invalid_json" } as const;

export function toWireError(error: FastifyError | Error): MicroError {
  if (isMicroError(error)) return error;
  const e = error as FastifyError;
  if (e.validation) return badRequest(GATEWAY_ID, describeValidationError(e.validation, e.validationContext ?? "body"), { reason: "invalid_request" });
  switch (e.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return payloadTooLarge(GATEWAY_ID, "body: exceeds the 1 MiB limit", { reason: "body_too_large" });
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return badRequest(GATEWAY_ID, "body: is required", { reason: "body_required" });
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new MicroError(GATEWAY_ID, 415, "content-type: must be application/json", { reason: "unsupported_media_type" });
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return badRequest(GATEWAY_ID, "body: is not valid JSON", INVALID_JSON);
  }
  if (error instanceof SyntaxError) return badRequest(GATEWAY_ID, "body: is not valid JSON", INVALID_JSON);
  const status = e.statusCode;
  // Another of Fastify's refusals of what the client sent (a Content-Length that does not match
  // the body, say): its own sentence, and the reason for any request HTTP cannot make sense of.
  if (status !== undefined && status >= 400 && status < 500) return new MicroError(GATEWAY_ID, status, e.message, { reason: "malformed_request" });
  return internal(GATEWAY_ID, "internal error", { reason: "internal_error" });
}

export function errorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  const wire = toWireError(error);
  if (wire.code >= 500 && wire.code !== 500 && isMicroError(error)) {
    // An expected failure (a backend away or slow): what and where, no stack.
    request.log.warn({ code: wire.code, id: wire.id, cause: describeCause(error.cause) }, wire.detail);
  } else if (wire.code >= 500) {
    request.log.error({ err: isMicroError(error) ? (error.cause ?? error) : error, code: wire.code }, wire.detail);
  }
  void reply.code(wire.code).send(wire.toJSON());
}

function describeCause(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}
