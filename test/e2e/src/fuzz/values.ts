/**
 * The awkward values every layer must refuse cleanly: ids that are almost numbers, digits from
 * other scripts, strings with NUL, control characters and lone surrogates, numbers JSON.parse
 * rounds or overflows, nesting thousands deep, long arrays and long strings.
 *
 * None of the constants here looks like a leak (a stack frame, SQL, a path or an address): a
 * value the system stores and later lists must not be mistaken for one (a test checks it).
 */
import fc from "fast-check";
import { Obj, Raw, longArray, nested } from "./json-text.js";

/** For `fc.oneof`: shrinking may jump to the first choice, which is always the plainest (none, valid, small). */
export const SHRINK_TO_FIRST = { withCrossShrink: true } as const;

/** Ids the seed creates (users 1-3, products 100-102) and small ones later writes create. */
export const knownId = fc.oneof(fc.constantFrom(1, 2, 3, 100, 101, 102), fc.integer({ min: 1, max: 3000 }));

/** Text that is almost an id: signs, zeros, fractions, exponents, radix prefixes, overflow, blanks. */
export const ID_TEXTS = [
  "0", "-1", "-0", "+1", "01", "001", "1.0", "1.5", "1.", ".5", "1e3", "1E3", "1e+3", "1e-3", "0x10", "0X1A",
  "0b1", "0o7", "1_000", "1,000", "Infinity", "-Infinity", "NaN", "null", "true", "undefined", "[]", "{}",
  "9007199254740991", "9007199254740992", "9007199254740993", "18446744073709551616", `1${"0".repeat(400)}`,
  " 1", "1 ", "\t1", "1\n", "", " ", "%", "a", "1a", "0.1e1", "-9007199254740991", "2147483648", "4294967296",
] as const;

/** The zero of each digit system: Arabic-Indic, extended Arabic-Indic, Devanagari, Thai, fullwidth, mathematical bold. */
const DIGIT_ZEROS = [0x660, 0x6f0, 0x966, 0xe50, 0xff10, 0x1d7ce] as const;

/** Digits outside ASCII, which `\d` in some engines and Number() in none accept. */
export const unicodeDigits = fc
  .tuple(fc.constantFrom(...DIGIT_ZEROS), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 12 }))
  .map(([zero, digits]) => digits.map((d) => String.fromCodePoint(zero + d)).join(""));

/** Any id-like text: the edge cases above, other scripts' digits, numbers of every kind, free text. */
export const idText = fc.oneof(
  { weight: 4, arbitrary: knownId.map(String) },
  { weight: 6, arbitrary: fc.constantFrom(...ID_TEXTS) },
  { weight: 2, arbitrary: unicodeDigits },
  { weight: 1, arbitrary: fc.constantFrom("¹", "²", "Ⅰ", "①", "１٢") },
  { weight: 2, arbitrary: fc.integer().map(String) },
  { weight: 2, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.bigInt().map(String) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 6 }) },
);

/** Characters that break naive code: NUL, C0/C1 controls, bidi and zero-width marks, lone surrogates, quotes. */
export const ODD_CHARS = [
  "\u0000", "\u0001", "\u0008", "\t", "\n", "\r", "\u000b", "\u000c", "\u001b", "\u001f", "\u007f", "\u0080", "\u0085",
  "\u009f", "\u00a0", "\u00ad", "\u0301", "\u200b", "\u200d", "\u200e", "\u202e", "\u2028", "\u2029", "\ufeff",
  "\ufffd", "\uffff", "\ud800", "\udbff", "\udc00", "\udfff", "\ud83d\ude00", "\u{10ffff}", "'", '"', "\\", "`",
  "%", "_", "%s", "%n", "${x}", "{{x}}", "' OR '1'='1", "1; DROP TABLE users", "$1", "\\x00", "\\u0000", "<script>",
] as const;

/** A string made of odd characters and ordinary text, lone surrogates included; NUL often, as PostgreSQL text cannot hold it. */
export const oddString = fc.oneof(
  { weight: 2, arbitrary: fc.tuple(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 })).map(([a, b]) => `${a}\u0000${b}`) },
  { weight: 5, arbitrary: fc.array(fc.oneof(fc.constantFrom(...ODD_CHARS), fc.string({ maxLength: 4 })), { minLength: 1, maxLength: 8 }).map((parts) => parts.join("")) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom(...ODD_CHARS) },
);

/** Number tokens as text: overflow to Infinity, underflow to 0, -0, past 2^53, too many decimals, and invalid JSON forms. */
export const NUMBER_TOKENS = [
  "1e308", "-1e308", "1e309", "-1e309", "1e-400", "5e-324", "-0", "0.0", "-0.0", "9007199254740993", "-9007199254740993",
  "123456789012345678901234567890", "1.000000000000000000001", "99.999", "0.001", "1e2", "1E+2", "0.1e1", "100.00",
  "9999999999.99", "10000000000", "2147483648", "1e21", "+1", "01", ".5", "5.", "NaN", "Infinity", "-Infinity", "0x10",
] as const;

export const numberToken = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NUMBER_TOKENS).map((t) => new Raw(t)) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 128n), max: 2n ** 128n }).map((n) => new Raw(n.toString())) },
);

/** How deep a nested body goes: mostly thousands of levels, where recursive code runs out of stack. */
export const depth = fc.oneof(
  SHRINK_TO_FIRST,
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 64 }) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 12_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 60_000 }) },
);

export const deepValue = fc.tuple(depth, fc.constantFrom("array", "object", "mixed") as fc.Arbitrary<"array" | "object" | "mixed">).map(([d, shape]) => nested(d, shape));

/** Mostly thousands of elements, sometimes a few hundred thousand: long enough for quadratic or per-element costs to show. */
const length = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1_000, max: 20_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 200_000 }) });

export const largeArray = fc.tuple(length, fc.constantFrom("0", "1", '"x"', "null", "{}", "[]", "1e308")).map(([n, element]) => longArray(n, element));

/** Strings past every field's limit (200 for names, 254 for emails), some close to the 1 MiB body limit. */
export const longString = fc
  .tuple(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 201, max: 5_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 201, max: 250_000 }) }), fc.constantFrom("x", "é", "\u0000", "💥"))
  .map(([n, c]) => c.repeat(n));

/** Any JSON value at all, from fast-check's own generators. */
export const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.anything({ maxDepth: 3, withNullPrototype: true, withBigInt: false }));

/** JSON text as fast-check writes it (its own spacing and escapes), for whole bodies. */
export const anyJsonText = fc.json({ maxDepth: 4 });

/** A value of the wrong kind for any field: other types, odd strings, odd numbers, nesting. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, "", "1", [], {}, [1], { id: 1 }) },
  { weight: 3, arbitrary: oddString },
  { weight: 3, arbitrary: numberToken },
  { weight: 2, arbitrary: anyJson },
  { weight: 1, arbitrary: idText },
  { weight: 1, arbitrary: deepValue },
  { weight: 1, arbitrary: largeArray },
  { weight: 1, arbitrary: longString },
  { weight: 1, arbitrary: fc.constantFrom(new Obj([["__proto__", { admin: true }]]), new Obj([["constructor", { prototype: { x: 1 } }]])) },
);

/** Keys a strict schema must refuse, including the ones that reach for prototypes. */
export const unknownKey = fc.oneof(
  fc.constantFrom("__proto__", "constructor", "prototype", "id", "admin", "role", "roles", "status", "created_at", "", " ", "name ", "Email", "NAME", "user_id\u0000"),
  fc.string({ maxLength: 12 }),
);

/**
 * encodeURIComponent, except that a lone surrogate (which it refuses) becomes the percent-encoded
 * bytes of its WTF-8 form, as a careless client would send it.
 */
export function encode(text: string): string {
  let out = "";
  for (const char of text) {
    const unit = char.charCodeAt(0);
    if (char.length === 1 && unit >= 0xd800 && unit <= 0xdfff) {
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join("");
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}
