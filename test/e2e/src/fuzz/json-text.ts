/**
 * JSON text the generators can bend: objects as entry lists (so a key may repeat and
 * `__proto__` stays a plain key), and raw tokens written verbatim (`1e400`, `-0`, deep nesting
 * built as text), which no JavaScript value and no `JSON.stringify` can produce.
 */

/** Written into the text as is: a number token JSON.parse reads differently, or a prebuilt fragment. */
export class Raw {
  constructor(readonly text: string) {}
}

/** A JSON object as ordered entries: duplicates and `__proto__` survive until the text is written. */
export class Obj {
  constructor(readonly entries: ReadonlyArray<readonly [string, unknown]>) {}

  static of(record: Readonly<Record<string, unknown>>): Obj {
    return new Obj(Object.entries(record));
  }

  has(key: string): boolean {
    return this.entries.some(([k]) => k === key);
  }

  set(key: string, value: unknown): Obj {
    if (!this.has(key)) return new Obj([...this.entries, [key, value]]);
    return new Obj(this.entries.map(([k, v]) => [k, k === key ? value : v] as const));
  }

  without(key: string): Obj {
    return new Obj(this.entries.filter(([k]) => k !== key));
  }

  /** Appends the key again: JSON parsers differ on which of the two wins. */
  repeat(key: string, value: unknown): Obj {
    return new Obj([...this.entries, [key, value]]);
  }
}

/**
 * The JSON text of `value`. Generated values are shallow (deep nesting arrives as Raw text), so
 * plain recursion is safe here.
 */
export function jsonText(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (value instanceof Obj) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(",")}}`;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(",")}}`;
  }
  // undefined, functions and symbols have no JSON form; bigints print as their digits.
  if (typeof value === "bigint") return value.toString();
  return JSON.stringify(value) ?? "null";
}

/** `depth` levels of arrays or objects, as text: thousands of levels without a recursive writer. */
export function nested(depth: number, shape: "array" | "object" | "mixed", leaf = "1"): Raw {
  const open = { array: "[", object: '{"a":', mixed: '[{"a":' }[shape];
  const close = { array: "]", object: "}", mixed: "}]" }[shape];
  return new Raw(open.repeat(depth) + leaf + close.repeat(depth));
}

/** An array of `length` copies of `element`, as text. */
export function longArray(length: number, element: string): Raw {
  return new Raw(length === 0 ? "[]" : `[${element}${`,${element}`.repeat(length - 1)}]`);
}
