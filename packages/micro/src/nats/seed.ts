/**
 * The NKey seed's full check, with the NKeys library: its checksum and that it is a user's. Run
 * when the NATS backend is loaded for a program, so a mistyped seed still stops the program with
 * one line naming the variable, before its first connect.
 */
import { nkeys } from "@nats-io/transport-node";
import { ConfigError } from "../config/index.js";
import { NATS_ENV, SEED_EXPECTED } from "./config.js";
import type { NatsSecurity } from "./options.js";

export function checkSeedOf(security: NatsSecurity): void {
  if (security.auth?.kind !== "nkey") return;
  const seed = security.auth.seed;
  try {
    if (nkeys.fromSeed(new TextEncoder().encode(seed)).getPublicKey().startsWith("U")) return;
  } catch {
    // Not a seed at all: the same one line below.
  }
  throw new ConfigError(NATS_ENV.nkeySeed, SEED_EXPECTED, seed, { secret: true });
}
