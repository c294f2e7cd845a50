/**
 * The `MICRO_NATS_*` variables: one credential and the TLS settings for every NATS connection of
 * the program (registry, transport), read and checked once at start, so a missing file, a key
 * that does not match its certificate or two credentials at once stop the program with one line
 * instead of failing at the first connect. Secret values never appear in those lines.
 */
import { X509Certificate, createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError, type EnvReader } from "../config/index.js";
import type { NatsAuth, NatsSecurity, NatsTls } from "./options.js";

export const NATS_ENV = {
  user: "MICRO_NATS_USER",
  password: "MICRO_NATS_PASSWORD",
  token: "MICRO_NATS_TOKEN",
  nkeySeed: "MICRO_NATS_NKEY_SEED",
  credsFile: "MICRO_NATS_CREDS_FILE",
  tls: "MICRO_NATS_TLS",
  caFile: "MICRO_NATS_TLS_CA_FILE",
  certFile: "MICRO_NATS_TLS_CERT_FILE",
  keyFile: "MICRO_NATS_TLS_KEY_FILE",
} as const;

const ONE_CREDENTIAL = "one NATS credential: user and password, a token, an NKey seed or a creds file";

/** The credential and TLS for NATS servers at `urls` (already checked to be nats:// or tls://). */
export function readNatsSecurity(env: EnvReader, urls: readonly string[]): NatsSecurity {
  return { auth: readAuth(env), tls: readTls(env, urls) };
}

function readAuth(env: EnvReader): NatsAuth | undefined {
  const user = env.optional(NATS_ENV.user);
  const password = env.optional(NATS_ENV.password);
  const token = env.optional(NATS_ENV.token);
  const seed = env.optional(NATS_ENV.nkeySeed);
  const credsFile = env.optional(NATS_ENV.credsFile);
  if (user !== undefined && password === undefined) throw new ConfigError(NATS_ENV.password, `a value when ${NATS_ENV.user} is set`, undefined);
  if (password !== undefined && user === undefined) throw new ConfigError(NATS_ENV.user, `a value when ${NATS_ENV.password} is set`, undefined);
  const set = [
    user === undefined ? undefined : NATS_ENV.user,
    token === undefined ? undefined : NATS_ENV.token,
    seed === undefined ? undefined : NATS_ENV.nkeySeed,
    credsFile === undefined ? undefined : NATS_ENV.credsFile,
  ].filter((name) => name !== undefined);
  if (set.length > 1) throw new ConfigError(set[1] ?? "", `${ONE_CREDENTIAL}, but ${set[0] ?? ""} is set too`, "a value", { secret: true });
  if (user !== undefined && password !== undefined) return { kind: "password", user, password };
  if (token !== undefined) return { kind: "token", token };
  if (seed !== undefined) return { kind: "nkey", seed: checkSeed(seed) };
  if (credsFile !== undefined) return { kind: "creds", file: checkCreds(credsFile) };
  return undefined;
}

/**
 * A user seed's shape: 58 base32 characters starting with SU. Its checksum is verified by the NATS
 * backend when it loads (nats/seed.ts), since that needs the NKeys library the core does not load.
 */
function checkSeed(seed: string): string {
  if (/^SU[A-Z2-7]{56}$/.test(seed)) return seed;
  throw new ConfigError(NATS_ENV.nkeySeed, SEED_EXPECTED, seed, { secret: true });
}

export const SEED_EXPECTED = "an NKey user seed (58 characters starting with SU)";

function checkCreds(file: string): string {
  const text = readable(NATS_ENV.credsFile, file, "a NATS .creds file");
  if (!/-----BEGIN NATS USER JWT-----/.test(text) || !/-----BEGIN USER NKEY SEED-----/.test(text)) {
    throw new ConfigError(NATS_ENV.credsFile, "a NATS .creds file (a user JWT and its NKey seed)", file);
  }
  return file;
}

function readTls(env: EnvReader, urls: readonly string[]): NatsTls | undefined {
  const caFile = env.optional(NATS_ENV.caFile);
  const certFile = env.optional(NATS_ENV.certFile);
  const keyFile = env.optional(NATS_ENV.keyFile);
  const tlsUrl = urls.some((url) => url.split(",").some((one) => one.trim().startsWith("tls://")));
  const implied = tlsUrl || caFile !== undefined || certFile !== undefined || keyFile !== undefined;
  const on = env.bool(NATS_ENV.tls, implied);
  if (!on && implied) {
    const why = tlsUrl ? "a tls:// NATS URL" : `${NATS_ENV.caFile}, ${NATS_ENV.certFile} or ${NATS_ENV.keyFile}`;
    throw new ConfigError(NATS_ENV.tls, `on (or unset) with ${why}`, env.optional(NATS_ENV.tls));
  }
  if (!on) return undefined;
  if (certFile !== undefined && keyFile === undefined) throw new ConfigError(NATS_ENV.keyFile, `a value when ${NATS_ENV.certFile} is set`, undefined);
  if (keyFile !== undefined && certFile === undefined) throw new ConfigError(NATS_ENV.certFile, `a value when ${NATS_ENV.keyFile} is set`, undefined);
  if (caFile !== undefined) certificateOf(NATS_ENV.caFile, caFile);
  if (certFile !== undefined && keyFile !== undefined) checkKeyPair(certFile, keyFile);
  return { caFile, certFile, keyFile };
}

function checkKeyPair(certFile: string, keyFile: string): void {
  const cert = certificateOf(NATS_ENV.certFile, certFile);
  let matches: boolean;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(readable(NATS_ENV.keyFile, keyFile, "a PEM private key")));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(NATS_ENV.keyFile, "a PEM private key, unencrypted", keyFile);
  }
  if (!matches) throw new ConfigError(NATS_ENV.keyFile, `the private key of ${NATS_ENV.certFile}'s certificate`, keyFile);
}

function certificateOf(variable: string, file: string): X509Certificate {
  const text = readable(variable, file, "a PEM certificate file");
  try {
    return new X509Certificate(text);
  } catch {
    throw new ConfigError(variable, "a PEM certificate file", file);
  }
}

function readable(variable: string, file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    throw new ConfigError(variable, `${what} this program can read`, file);
  }
}
