/**
 * What `npm start` and `npm run start:cluster` change from the programs' own defaults. Both are
 * development setups on one machine, where a user's first loop of curl commands must meet
 * neither a 401 nor a 429: AUTH and RATE_LIMIT are off there. The programs keep both on by
 * default, and so do compose and Kubernetes, which run the programs without these scripts. A
 * variable set in the environment is kept as it is: `RATE_LIMIT=on npm start` limits.
 */
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
