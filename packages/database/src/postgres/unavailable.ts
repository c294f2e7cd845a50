/**
 * Tells "PostgreSQL is away" apart from every other failure, so a service answers 503 (try
 * again) while its database restarts instead of 500 (a bug), and recovers without a restart:
 * the pool makes new connections once the server answers again. Refused data (SQLSTATE classes
 * 22 and 23) is told apart too, as the caller's 4xx (data-errors.ts).
 */
import { DependencyUnavailableError } from "@gw/micro";
import { rethrowDataError } from "../data-errors.js";

/** Socket-level failures reaching the server. */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH", "EAI_AGAIN"]);

/** SQLSTATE admin_shutdown, crash_shutdown, cannot_connect_now (57P01 to 57P03). */
const SHUTDOWN_STATES = new Set(["57P01", "57P02", "57P03"]);

/** What pg says when a connection dies without a code, or the pool cannot get one in time. */
const LOST = /Connection terminated|not queryable|timeout exceeded when trying to connect|Connection ended/i;

export function isUnavailable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === "string" && (NETWORK_CODES.has(code) || SHUTDOWN_STATES.has(code) || code.startsWith("08"))) return true;
  return typeof message === "string" && LOST.test(message);
}

/**
 * Rethrows `error`: as DependencyUnavailableError when it means the database is away, as a
 * DataError when the database refused the data, else as it is.
 */
export function rethrowClassified(error: unknown): never {
  if (isUnavailable(error)) throw new DependencyUnavailableError("database", { cause: error, reason: "database_unavailable" });
  return rethrowDataError(error);
}
