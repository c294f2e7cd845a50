/**
 * PostgreSQL's data exceptions (SQLSTATE class 22: a value it cannot take, such as text with
 * NUL) and integrity constraint violations (class 23: unique, foreign key, not-null, check) are
 * about what the caller sent, never a bug of the service nor an outage. Both drivers turn them
 * into a DataError here, in one place, so a handler that does not map one itself answers a 4xx
 * instead of a 500 (which would also count against the service in its callers' circuit breakers).
 *
 * The detail is a plain sentence per kind of error. PostgreSQL's own message names tables,
 * columns and constraints and may quote the values ("Key (email)=(…) already exists"): it stays
 * in `cause`, for the server to log, and never reaches the caller.
 */
import { DependencyRejectedError, type MicroReason } from "@gw/micro";

type Kind = readonly [status: number, detail: string, reason: MicroReason];

/** Each kind's status, sentence and reason, by SQLSTATE. */
const KNOWN: Readonly<Record<string, Kind>> = {
  "22001": [400, "a value is too long to be stored", "value_not_storable"],
  "22003": [400, "a number is out of the range that can be stored", "value_not_storable"],
  "22007": [400, "a date or time is not valid", "value_not_storable"],
  "22008": [400, "a date or time is out of range", "value_not_storable"],
  "22021": [400, "a text value contains a character that cannot be stored", "value_not_storable"],
  "22P05": [400, "a text value contains a character that cannot be stored", "value_not_storable"],
  "22P02": [400, "a value is not in the form its field takes", "value_not_storable"],
  "23502": [400, "a required value is missing", "value_not_storable"],
  "23514": [400, "a value is outside what its field allows", "value_not_storable"],
  "23505": [409, "a record with the same unique value already exists", "duplicate_value"],
  // 409 rather than 422: PostgreSQL gives one code both for a reference to a missing record and
  // for deleting a record that is still referenced, and both conflict with the current data.
  "23503": [409, "the change refers to a record that does not exist, or removes one that is still referred to", "data_conflict"],
  "23001": [409, "the change removes a record that is still referred to", "data_conflict"],
  "23P01": [409, "the change conflicts with an existing record", "data_conflict"],
};

/** What the rest of each class answers. */
const BY_CLASS: Readonly<Record<string, Kind>> = {
  "22": [400, "a value cannot be stored", "value_not_storable"],
  "23": [409, "the change conflicts with the existing data", "data_conflict"],
};

/** A class 22 or 23 error of PostgreSQL or PGlite, as the caller's 4xx. */
export class DataError extends DependencyRejectedError {
  constructor(
    /** The SQLSTATE, named as pg and PGlite name it, so checks such as isUniqueViolation keep working. */
    readonly code: string,
    status: number,
    detail: string,
    options: { cause: unknown; reason: MicroReason },
  ) {
    super("database", status, detail, options);
    this.name = "DataError";
  }
}

/** The DataError for `error`, when it is one of classes 22 and 23; else undefined. */
export function dataErrorOf(error: unknown): DataError | undefined {
  if (typeof error !== "object" || error === null || error instanceof DataError) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string" || code.length !== 5) return undefined;
  const known = KNOWN[code] ?? BY_CLASS[code.slice(0, 2)];
  return known && new DataError(code, known[0], known[1], { cause: error, reason: known[2] });
}

/** Rethrows `error`, as a DataError when it is one. */
export function rethrowDataError(error: unknown): never {
  throw dataErrorOf(error) ?? error;
}
