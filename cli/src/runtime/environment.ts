/**
 * The environment `micro` runs in: the programs' own `MICRO_*` variables, with `npm start`'s
 * defaults filled in (scripts/development.mjs), so that beside a running `npm start` every command
 * finds the system with nothing set: the registry folder `.data/registry`, AUTH off unless set, and
 * with AUTH on the call secret `npm start` keeps in `.data`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, type Env, EnvReader, type MicroEnv, readMicroEnv } from "@gw/micro";
import { CALL_SECRET_FILE, withDevelopmentDefaults, withLocalDefaults } from "../../../scripts/development.mjs";
import { Failure } from "../commands/command.js";

export interface CliEnvironment {
  /** What the user set, before any default: to say how a registry was configured. */
  readonly given: Env;
  /** With the development defaults: what the commands read. */
  readonly env: Env;
  readonly config: MicroEnv;
}

export function cliEnvironment(root: string, given: Env): CliEnvironment {
  const env = withDevelopmentDefaults(withLocalDefaults(given, root));
  if (authEnabled(env) && (env.MICRO_AUTH_SECRET ?? "").trim() === "") {
    const secret = readSecret(join(env.DATA_DIR ?? join(root, ".data"), CALL_SECRET_FILE));
    if (secret !== undefined) env.MICRO_AUTH_SECRET = secret;
  }
  return { given, env, config: read(env, (reader) => readMicroEnv(reader)) };
}

/** Reads configuration with `read`; a bad value is one line naming the variable. */
export function read<T>(env: Env, read: (reader: EnvReader) => T): T {
  try {
    return read(new EnvReader(env));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const hint =
      error.variable === "MICRO_AUTH_SECRET"
        ? ` (AUTH is on: set MICRO_AUTH_SECRET to the programs' secret; npm start with AUTH=on keeps it in .data/${CALL_SECRET_FILE})`
        : "";
    throw new Failure(`configuration error: ${error.message}${hint}`);
  }
}

function authEnabled(env: Env): boolean {
  try {
    return new EnvReader(env).bool("AUTH", true);
  } catch {
    // A malformed AUTH is reported by readMicroEnv, with the variable named.
    return false;
  }
}

function readSecret(file: string): string | undefined {
  try {
    const secret = readFileSync(file, "utf8").trim();
    return secret === "" ? undefined : secret;
  } catch {
    return undefined;
  }
}
