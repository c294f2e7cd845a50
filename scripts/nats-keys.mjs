#!/usr/bin/env node
/**
 * Prints a new NKey for each program, as lines for docker-compose.yml's .env file:
 * `<PROGRAM>_NATS_NKEY` (the public key, which NATS's configuration names) and
 * `<PROGRAM>_NATS_NKEY_SEED` (the secret the program signs in with, MICRO_NATS_NKEY_SEED).
 *
 *   npm run -s nats-keys >> .env
 *
 * Keys are made here, never stored in the repository: whoever has a seed can register as that
 * program. Runs with Node and the installed NATS client only: no build needed.
 */
import { nkeys } from "@nats-io/transport-node";
import { GATEWAY, serviceNames } from "./programs.mjs";

// The gateway first, then the services under services/, as the deploy files list them.
const PROGRAMS = [GATEWAY, ...serviceNames()];

const lines = ["# NATS NKeys made by `npm run nats-keys`: the seeds are secrets, keep this file private."];
for (const program of PROGRAMS) {
  const pair = nkeys.createUser();
  const name = program.toUpperCase().replaceAll("-", "_");
  lines.push(`${name}_NATS_NKEY=${pair.getPublicKey()}`, `${name}_NATS_NKEY_SEED=${new TextDecoder().decode(pair.getSeed())}`);
}
process.stdout.write(`${lines.join("\n")}\n`);
