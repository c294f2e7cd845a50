/**
 * Environment configuration, validated once at start. A bad or missing value stops the
 * program with one line naming the variable and what it expects.
 */
import { isName } from "../registry/names.js";
import { StartupError, startupFailureLine } from "../startup/error.js";

/** A bad or missing variable: a start-up failure, printed as `<program>: configuration error: …`. */
export class ConfigError extends StartupError {
  /** The value as shown in the message; a secret's is never kept. */
  readonly got: string | undefined;

  /** `secret`: the value is a password, token or key, and the message says only that one was set. */
  constructor(
    readonly variable: string,
    readonly expected: string,
    got: string | undefined,
    options: { secret?: boolean } = {},
  ) {
    const shown = got !== undefined && options.secret ? "a value (not shown)" : got === undefined ? "nothing" : JSON.stringify(got);
    super(`${variable}: expected ${expected}, got ${shown}`);
    this.name = "ConfigError";
    this.got = options.secret && got !== undefined ? "(not shown)" : got;
  }

  override describe(): string {
    return `configuration error: ${this.message}`;
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

export class EnvReader {
  constructor(private readonly env: Env = process.env) {}

  string(name: string, fallback?: string): string {
    const value = this.optional(name) ?? fallback;
    if (value === undefined) throw new ConfigError(name, "a value", undefined);
    return value;
  }

  optional(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  }

  int(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const min = range.min ?? 0;
    const max = range.max ?? Number.MAX_SAFE_INTEGER;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      throw new ConfigError(name, `an integer from ${min} to ${max}`, raw);
    }
    return value;
  }

  oneOf<const T extends string>(name: string, values: readonly T[], fallback: T): T {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (!(values as readonly string[]).includes(raw)) throw new ConfigError(name, `one of ${values.join(", ")}`, raw);
    return raw as T;
  }

  /** A comma-separated list of names (`users,orders`); each must be a registry name. */
  names(name: string, fallback: readonly string[]): readonly string[] {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const names = raw.split(",").map((n) => n.trim()).filter((n) => n !== "");
    // The registry's own rule: a name it would refuse to register can never be expected.
    if (!names.every(isName)) throw new ConfigError(name, "comma-separated service names (letters, digits, dots, dashes and underscores)", raw);
    return [...new Set(names)];
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.optional(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (["1", "true", "on", "yes"].includes(raw)) return true;
    if (["0", "false", "off", "no"].includes(raw)) return false;
    throw new ConfigError(name, "true or false", raw);
  }

  /** A `host:port` to listen on (`[::1]:80` for IPv6); port 0 means any free one. */
  address(name: string, fallback: string): string {
    const raw = this.optional(name) ?? fallback;
    // What the socket transports' address parsing accepts, so no value passes here and fails there.
    const match = /^\[?[^\]]*?\]?:(\d+)$/.exec(raw);
    if (!match || Number(match[1]) > 65535) throw new ConfigError(name, "host:port (port 0: any free one)", raw);
    return raw;
  }

  url(name: string, protocols: readonly string[]): string | undefined {
    const raw = this.optional(name);
    if (raw === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(name, `a URL (${protocols.join(", ")})`, redact(raw));
    }
    if (!protocols.includes(parsed.protocol)) throw new ConfigError(name, `a URL (${protocols.join(", ")})`, redact(raw));
    return raw;
  }
}

/**
 * Keeps passwords out of the one error line. The password runs to the last `@` (an unencoded `@`
 * in it is common, and URL parsing reads it that way), and the user name may be empty.
 */
function redact(raw: string): string {
  return raw.replace(/\/\/([^:/@]*):.*@/, "//$1:***@");
}

/**
 * Reads configuration with `read`; on a `ConfigError` prints its one line and exits 1,
 * because a program started with bad configuration must not half-run.
 */
export function loadConfig<T>(program: string, read: (env: EnvReader) => T, env: Env = process.env): T {
  try {
    return read(new EnvReader(env));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // No logger exists yet, so nothing to flush: the line is written and the program ends here.
    process.stderr.write(`${startupFailureLine(program, error)}\n`);
    process.exit(1);
  }
}
