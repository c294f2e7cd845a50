/**
 * docker-compose.yml as Compose reads it: merge keys resolved, then `${VAR:-default}`
 * interpolated against an environment (a user's .env by default), then each service's
 * environment as a plain map.
 */
import { readYaml, repoPath } from "./files.js";
import { composeTestEnv } from "./trust.js";
import { type Obj, isObj, list, obj, optObj, str } from "./values.js";

export const COMPOSE_FILE = repoPath("docker-compose.yml");

/** `$$`, `${NAME}`, `${NAME<op>word}` with op one of :- - :? ? :+ +, and `$NAME`. */
const REFERENCE = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** One string interpolated as Compose does; a `${` it cannot read throws rather than passing. */
export function interpolate(text: string, env: Readonly<Record<string, string | undefined>>): string {
  const replaced = text.replace(REFERENCE, (_match, dollar: string | undefined, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
    if (dollar !== undefined) return "\u0000";
    const name = braced ?? bare ?? "";
    const value = env[name];
    const set = value !== undefined;
    const nonEmpty = set && value !== "";
    switch (op) {
      case undefined:
        return value ?? "";
      case ":-":
        return nonEmpty ? value : (word ?? "");
      case "-":
        return set ? value : (word ?? "");
      case ":+":
        return nonEmpty ? (word ?? "") : "";
      case "+":
        return set ? (word ?? "") : "";
      default:
        // :? and ?: the variable is required.
        if ((op === ":?" && nonEmpty) || (op === "?" && set)) return value ?? "";
        throw new Error(`${name} is required: ${word ?? ""}`);
    }
  });
  if (replaced.includes("${")) throw new Error(`cannot interpolate ${JSON.stringify(text)}`);
  return replaced.replaceAll("\u0000", "$");
}

/** Every string of a parsed document interpolated; keys are left as they are, as Compose does. */
export function interpolateAll(value: unknown, env: Readonly<Record<string, string | undefined>>): unknown {
  if (typeof value === "string") return interpolate(value, env);
  if (Array.isArray(value)) return value.map((v: unknown) => interpolateAll(v, env));
  if (isObj(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, env)]));
  return value;
}

/**
 * The compose file with merge keys resolved and variables from `env`: by default the .env that
 * deploy/README.md has users make (NATS keys and MICRO_AUTH_SECRET), everything else at its default.
 */
export function loadCompose(env: Readonly<Record<string, string | undefined>> = composeTestEnv()): Obj {
  return obj(interpolateAll(readYaml(COMPOSE_FILE), env), "docker-compose.yml");
}

export function servicesOf(compose: Obj): ReadonlyMap<string, Obj> {
  const services = obj(compose["services"], "services");
  return new Map(Object.entries(services).map(([name, value]) => [name, obj(value, `services.${name}`)]));
}

/**
 * A service's environment as a map, from either of Compose's two forms. A name without a value
 * (passed through from the shell) maps to undefined, as it would with an empty shell.
 */
export function environmentOf(service: Obj, where: string): ReadonlyMap<string, string | undefined> {
  const raw = service["environment"];
  const env = new Map<string, string | undefined>();
  if (raw === undefined) return env;
  if (Array.isArray(raw)) {
    for (const [i, item] of list(raw, `${where}.environment`).entries()) {
      const entry = str(item, `${where}.environment[${i}]`);
      const eq = entry.indexOf("=");
      env.set(eq < 0 ? entry : entry.slice(0, eq), eq < 0 ? undefined : entry.slice(eq + 1));
    }
    return env;
  }
  for (const [name, value] of Object.entries(obj(raw, `${where}.environment`))) {
    env.set(name, value === null || value === undefined ? undefined : String(value));
  }
  return env;
}

/** depends_on as service name → condition; the short list form means `service_started`. */
export function dependenciesOf(service: Obj, where: string): ReadonlyMap<string, string> {
  const raw = service["depends_on"];
  if (raw === undefined) return new Map();
  if (Array.isArray(raw)) return new Map(raw.map((name, i) => [str(name, `${where}.depends_on[${i}]`), "service_started"]));
  return new Map(
    Object.entries(obj(raw, `${where}.depends_on`)).map(([name, value]) => {
      const condition = optObj(value, `${where}.depends_on.${name}`)?.["condition"];
      return [name, condition === undefined ? "service_started" : str(condition, `${where}.depends_on.${name}.condition`)];
    }),
  );
}

/** A Compose duration ("15s", "1m30s", "500ms", "2h") in milliseconds. */
export function durationMs(text: string): number {
  const units: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(us|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) throw new Error(`not a duration: ${JSON.stringify(text)}`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * (units[p[2] ?? ""] ?? Number.NaN), 0);
}
