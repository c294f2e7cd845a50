/**
 * What `npm start` and `npm run start:cluster` change from the programs' own defaults. Both are
 * development setups on one machine, where a user's first loop of curl commands must meet
 * neither a 401 nor a 429: AUTH and RATE_LIMIT are off there. The programs keep both on by
 * default, and so do compose and Kubernetes, which run the programs without these scripts. A
 * variable set in the environment is kept as it is: `RATE_LIMIT=on npm start` limits.
 */
import { join } from "node:path";

export const DEVELOPMENT_DEFAULTS = Object.freeze({ AUTH: "off", RATE_LIMIT: "off" });

/** `env` with each development default filled in where the variable is unset or empty. */
export function withDevelopmentDefaults(env) {
  const result = { ...env };
  for (const [name, value] of Object.entries(DEVELOPMENT_DEFAULTS)) {
    // The programs read an empty variable as unset, and so do these defaults.
    if ((result[name] ?? "").trim() === "") result[name] = value;
  }
  return result;
}

/**
 * Where a development setup keeps what its programs share: `DATA_DIR` (`<root>/.data`) and, on the
 * local registry (the default), the registry folder `<root>/.data/registry`. `npm start` runs the
 * programs with these and `micro` looks there, so after `npm start` every `npm run micro` command
 * finds the running system. A variable set in the environment is kept; on NATS the registry
 * address is the toolkit's own default (the NATS on this machine).
 */
export function withLocalDefaults(env, root) {
  // Empty is unset, as the programs read it.
  const unset = (name) => (env[name] ?? "").trim() === "";
  const result = { ...env };
  if (unset("DATA_DIR")) result.DATA_DIR = join(root, ".data");
  const registry = (env.MICRO_REGISTRY ?? "").trim();
  if ((registry === "" || registry === "local") && unset("MICRO_REGISTRY_ADDRESS")) {
    result.MICRO_REGISTRY_ADDRESS = join(root, ".data", "registry");
  }
  return result;
}

/** The file in `DATA_DIR` that keeps a development setup's call-credential secret (launcher.mjs callSecret). */
export const CALL_SECRET_FILE = "micro-auth-secret";
