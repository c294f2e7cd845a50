#!/usr/bin/env node
/**
 * `npm start`: installs what is missing, builds, starts every program (each service under
 * services/, and the gateway: scripts/programs.mjs) as separate processes with prefixed,
 * readable logs, prints the URL once the gateway is ready, and stops them all on Ctrl-C. `npm start -- users` starts only the named programs, with the same
 * defaults, e.g. to bring one service back after stopping it.
 *
 * Only Node's own modules and the project's scripts are imported at the top: on a fresh clone
 * nothing else exists yet.
 */
import { mkdirSync } from "node:fs";
import { withDevelopmentDefaults, withLocalDefaults } from "./development.mjs";
import { PROGRAMS, callSecret, formatter, run, say } from "./launcher.mjs";
import { build, installIfMissing, root } from "./prepare.mjs";

const requested = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = requested.length > 0 ? requested : Object.keys(PROGRAMS);
for (const name of names) {
  if (!(name in PROGRAMS)) {
    process.stderr.write(`npm start: unknown program "${name}"; choose from ${Object.keys(PROGRAMS).join(", ")}\n`);
    process.exit(1);
  }
}

installIfMissing(say);
build(say);
const port = process.env.PORT ?? "8080";
// The embedded default is for a laptop: no tokens, no rate limits. AUTH=on with AUTH_JWT_SECRET
// turns auth on (`npm run token` mints tokens for that secret), RATE_LIMIT=on the limits.
const env = withDevelopmentDefaults(withLocalDefaults({ ...process.env, PORT: port }, root));
mkdirSync(env.DATA_DIR, { recursive: true });
if (!/^(off|false|0|no)$/i.test(env.AUTH)) env.MICRO_AUTH_SECRET = callSecret(env.DATA_DIR);

run(
  names.map((name) => ({ label: name, program: name, env })),
  { name: "npm start", pretty: await formatter(), gatewayUrl: names.includes("gateway") ? `http://localhost:${port}` : undefined },
);
