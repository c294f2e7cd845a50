/**
 * Field schemas shared by every contract, written once so the gateway and the services
 * hold the same rules for ids, money and paging (docs/architecture.md, "The HTTP contract").
 */
import { type TString, Type } from "@sinclair/typebox";
import { TEXT_PATTERN } from "@gw/micro";

/** A positive integer that a JS number holds exactly. */
export const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

/** numeric(12,2): positive, at most two decimals. */
export const Money = Type.Number({ exclusiveMinimum: 0, maximum: 9_999_999_999.99, maxDecimals: 2 });

export const MAX_LIST_LIMIT = 500;
export const DEFAULT_LIST_LIMIT = 50;

export const Limit = Type.Integer({ minimum: 1, maximum: MAX_LIST_LIMIT, default: DEFAULT_LIST_LIMIT });
export const Offset = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 });

/**
 * A text field a person types, such as a name: a string without control characters (U+0000 to
 * U+001F, U+007F to U+009F; see TEXT_PATTERN). Every contract's text field is made here, so the
 * gateway and the services refuse the same values with the same sentence.
 */
export function Text(length: { readonly minLength?: number; readonly maxLength: number }): TString {
  return Type.String({ ...length, pattern: TEXT_PATTERN });
}

/** RFC 3339 UTC, as `Date.prototype.toISOString` writes it. */
export const Timestamp = Type.String({ format: "date-time" });

export const Empty = Type.Object({}, { additionalProperties: false });

export const strict = { additionalProperties: false } as const;
