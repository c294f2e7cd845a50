/**
 * Narrowing parsed YAML, which is `unknown`, to the shape a check expects. A wrong shape fails
 * with the path that was being read ("services.gateway.ports: expected a list, got a string"),
 * so a broken deployment file is named, not reported as a TypeError somewhere in a test.
 */

export type Obj = Readonly<Record<string, unknown>>;

export function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function obj(value: unknown, where: string): Obj {
  if (!isObj(value)) throw new TypeError(`${where}: expected a mapping, got ${kindOf(value)}`);
  return value;
}

/** A mapping that may be absent (missing or null in YAML). */
export function optObj(value: unknown, where: string): Obj | undefined {
  return value === undefined || value === null ? undefined : obj(value, where);
}

export function list(value: unknown, where: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`${where}: expected a list, got ${kindOf(value)}`);
  return value;
}

/** A list that may be absent: the empty list then. */
export function optList(value: unknown, where: string): readonly unknown[] {
  return value === undefined || value === null ? [] : list(value, where);
}

export function str(value: unknown, where: string): string {
  if (typeof value !== "string") throw new TypeError(`${where}: expected a string, got ${kindOf(value)}`);
  return value;
}

export function num(value: unknown, where: string): number {
  if (typeof value !== "number") throw new TypeError(`${where}: expected a number, got ${kindOf(value)}`);
  return value;
}

/** Walks a dotted path ("spec.template.spec"); undefined as soon as a step is missing. */
export function get(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split(".")) {
    if (!isObj(current)) return undefined;
    current = current[key];
  }
  return current;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "a mapping" : `a ${typeof value}`;
}
