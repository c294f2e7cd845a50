/**
 * Who a program is to NATS, and how it knows the server is the right one: one credential (user and
 * password, a token, an NKey seed or a JWT `.creds` file) and TLS (a CA to trust, a client
 * certificate for servers that require one). Without a credential, anyone who reaches NATS can
 * register a node under any service's name and receive its callers' traffic.
 *
 * Also what tells a refusal apart from an outage: a server that says "authorization violation", or
 * a certificate that does not verify, will say the same on every retry, so the first connect fails
 * with a `NatsRefusedError` that names the reason instead of reconnecting in silence.
 */
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import {
  type Authenticator,
  type NodeConnectionOptions,
  credsAuthenticator,
  errors,
  nkeyAuthenticator,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
} from "@nats-io/transport-node";
import { RefusedError } from "../startup/error.js";
import type { NatsAuth, NatsSecurity } from "./options.js";

export type { NatsAuth, NatsSecurity, NatsTls } from "./options.js";
export { redactServers } from "./options.js";

/** Why a server will not have this client: retrying with the same settings cannot help. */
export type NatsRefusal = "authorization" | "tls";

/** The first connect was refused: wrong or missing credential, or a TLS failure. */
export class NatsRefusedError extends RefusedError {
  constructor(
    readonly servers: string,
    readonly reason: NatsRefusal,
    options: { cause: unknown },
  ) {
    super(`NATS ${reason === "authorization" ? "authorization" : "TLS"} failed at ${servers}: ${causeText(options.cause)}`, options);
    this.name = "NatsRefusedError";
  }
}

/** nats.js connection options for `security`: the authenticator and TLS files. */
export function connectOptionsOf(security: NatsSecurity): Pick<NodeConnectionOptions, "authenticator" | "tls"> {
  const tls = security.tls;
  return {
    ...(security.auth ? { authenticator: authenticatorOf(security.auth) } : {}),
    // An object, even an empty one, makes nats.js require TLS; undefined leaves it to the server.
    ...(tls ? { tls: { ...(tls.caFile ? { caFile: tls.caFile } : {}), ...(tls.certFile ? { certFile: tls.certFile, keyFile: tls.keyFile } : {}) } } : {}),
  };
}

function authenticatorOf(auth: NatsAuth): Authenticator {
  switch (auth.kind) {
    case "password":
      return usernamePasswordAuthenticator(auth.user, auth.password);
    case "token":
      return tokenAuthenticator(auth.token);
    case "nkey":
      return nkeyAuthenticator(new TextEncoder().encode(auth.seed));
    case "creds":
      return credsAuthenticator(() => readFileSync(auth.file));
  }
}

/**
 * Connections are shared per server and identity: two users of one URL with different credentials
 * must not share a connection. A digest, so the map key holds no secret.
 */
export function identityOf(security: NatsSecurity): string {
  if (!security.auth && !security.tls) return "";
  return createHash("sha256").update(JSON.stringify([security.auth ?? null, security.tls ?? null])).digest("hex");
}

/** A refusal that will not change on retry, or undefined for an outage worth retrying. */
export function refusalOf(error: unknown): NatsRefusal | undefined {
  if (error instanceof errors.AuthorizationError || error instanceof errors.UserAuthenticationExpiredError) return "authorization";
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" && TLS_CODE.test(code)) return "tls";
  const message = error instanceof Error ? error.message : "";
  // nats.js's own words when one side requires TLS and the other does not offer it.
  if (/server does not support 'tls'|tls is not available on this server/i.test(message)) return "tls";
  return undefined;
}

/** Node's TLS errors and OpenSSL's certificate verification codes. */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_)|CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET_ISSUER|DECRYPT)|HOSTNAME_MISMATCH/;

function causeText(cause: unknown): string {
  return cause instanceof Error && cause.message !== "" ? cause.message : String(cause);
}
