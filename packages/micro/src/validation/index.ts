/**
 * Request validation shared by the RPC server and the gateway: one Ajv configuration, and
 * one way of turning Ajv's findings into a sentence that names the field.
 */
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from "ajv";
import formats from "ajv-formats";

/**
 * No coercion and no removal: a wrong type or an unknown field is a 400, never silently fixed.
 * `useDefaults` fills declared defaults (`stock: 0`, `limit: 50`).
 */
export const AJV_OPTIONS: Options = {
  allErrors: false,
  coerceTypes: false,
  useDefaults: true,
  removeAdditional: false,
  strict: false,
};

type FormatsPlugin = (ajv: Ajv) => Ajv;
const addFormats = ((formats as unknown as { default?: FormatsPlugin }).default ?? formats) as unknown as FormatsPlugin;

/**
 * Formats for numbers that arrive as strings (paths and query strings): stricter than Ajv's
 * type coercion, which would take " 1", "1e3" or "0x10" as numbers.
 */
const NUMERIC_FORMATS: Record<string, { pattern: RegExp; min: number; max: number; says: string }> = {
  id: { pattern: /^[1-9][0-9]{0,15}$/, min: 1, max: Number.MAX_SAFE_INTEGER, says: "must be a positive integer" },
  count: { pattern: /^(0|[1-9][0-9]{0,15})$/, min: 0, max: Number.MAX_SAFE_INTEGER, says: "must be a non-negative integer" },
  limit: { pattern: /^[1-9][0-9]{0,15}$/, min: 1, max: 500, says: "must be an integer from 1 to 500" },
};

/**
 * What a text field (a name) may hold: anything but control characters. C0 (U+0000-U+001F) and
 * DEL (U+007F) because PostgreSQL refuses NUL outright and the rest are line breaks, tabs and
 * terminal escapes that have no place in a name and can forge lines in logs. C1 (U+0080-U+009F)
 * too: they are Unicode controls as well (general category Cc), print nothing, some terminals
 * still act on them (U+009B is CSI), and they are what Latin-1 text read as UTF-8 turns into, so
 * refusing them also refuses mis-encoded input. A pattern rather than a format: it is part of the
 * schema itself, so every validator of a contract applies it without registering anything.
 * Written with escapes, so the schema stays plain ASCII wherever it is printed.
 */
export const TEXT_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";

/**
 * `maxDecimals: n`: at most n decimals, exactly. `multipleOf: 0.01` cannot say this in binary
 * floating point: Ajv's tolerance either rejects 1234567.89 or accepts 1.000001, which
 * numeric(12,2) would then round. Rounding to n decimals and comparing is exact, because a
 * value with at most n decimals is the double nearest to round(value * 10^n) / 10^n.
 */
function addMaxDecimals(ajv: Ajv): void {
  ajv.addKeyword({
    keyword: "maxDecimals",
    type: "number",
    schemaType: "number",
    validate: (decimals: number, value: number) => {
      const scale = 10 ** decimals;
      return Math.round(value * scale) / scale === value;
    },
  });
}

/** Adds the numeric-string formats and `maxDecimals`; a Fastify Ajv plugin (Fastify brings ajv-formats itself). */
export function addNumericFormats(ajv: Ajv): Ajv {
  addMaxDecimals(ajv);
  for (const [name, f] of Object.entries(NUMERIC_FORMATS)) {
    ajv.addFormat(name, { type: "string", validate: (s: string) => f.pattern.test(s) && Number(s) >= f.min && Number(s) <= f.max });
  }
  return ajv;
}

export function createAjv(options: Options = {}): Ajv {
  const ajv = new Ajv({ ...AJV_OPTIONS, ...options });
  addFormats(ajv);
  return addNumericFormats(ajv);
}

export type { ValidateFunction };

/** `/user_id` → `user_id`; `/items/0/id` → `items.0.id`. */
function fieldOf(error: ErrorObject): string {
  const path = error.instancePath.split("/").filter(Boolean).join(".");
  const params = error.params as Record<string, unknown>;
  const child = (params.missingProperty ?? params.additionalProperty) as string | undefined;
  if (child !== undefined) return path ? `${path}.${child}` : child;
  return path;
}

function reasonOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return "is required";
    case "additionalProperties":
      return "is not a known field";
    case "type":
      return `must be ${article(String(params.type))}`;
    case "format": {
      const format = String(params.format);
      return NUMERIC_FORMATS[format]?.says ?? (format === "email" ? "must be a valid email address" : `must be a valid ${format}`);
    }
    case "minimum":
      return `must be at least ${String(params.limit)}`;
    case "maximum":
      return `must be at most ${String(params.limit)}`;
    case "exclusiveMinimum":
      return `must be greater than ${String(params.limit)}`;
    case "exclusiveMaximum":
      return `must be less than ${String(params.limit)}`;
    case "minLength":
      return `must be at least ${String(params.limit)} character${params.limit === 1 ? "" : "s"} long`;
    case "maxLength":
      return `must be at most ${String(params.limit)} characters long`;
    case "maxDecimals":
      return "must have at most two decimals";
    case "minProperties":
      return "must have at least one field";
    case "pattern":
      return params.pattern === TEXT_PATTERN ? "must not contain control characters" : (error.message ?? "is invalid");
    default:
      return error.message ?? "is invalid";
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** One sentence for the first error, e.g. `email: must be a valid email`. */
export function describeValidationError(errors: readonly ErrorObject[] | null | undefined, root = "body"): string {
  const first = errors?.[0];
  if (!first) return `${root}: is invalid`;
  const field = fieldOf(first);
  return `${field || root}: ${reasonOf(first)}`;
}
