/**
 * How a program connects to NATS, as plain data: one credential (user and password, a token, an
 * NKey seed or a JWT `.creds` file) and TLS (a CA to trust, a client certificate for servers that
 * require one). Read from the environment by the core, which never loads the NATS client; the NATS
 * backend turns it into nats.js connection options.
 */

/** The NATS registry's KV bucket when none is named; programs in different buckets do not see each other. */
export const DEFAULT_NATS_REGISTRY_BUCKET = "micro_registry";

export type NatsAuth =
  | { readonly kind: "password"; readonly user: string; readonly password: string }
  | { readonly kind: "token"; readonly token: string }
  /** The seed itself (`SU…`); the server knows the matching public key. */
  | { readonly kind: "nkey"; readonly seed: string }
  /** A `.creds` file (user JWT and NKey seed), read again on every connect so it can be rotated. */
  | { readonly kind: "creds"; readonly file: string };

/** TLS is required whenever this is present; files are PEM and read again on every connect. */
export interface NatsTls {
  /** The CA that signed the server's certificate; the system's CAs when absent. */
  readonly caFile?: string | undefined;
  /** A client certificate and its key, for servers with `verify: true`. */
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
}

export interface NatsSecurity {
  /** No credential when absent: only for a NATS that anyone on its network may use. */
  readonly auth?: NatsAuth | undefined;
  readonly tls?: NatsTls | undefined;
}

/** `nats://user:pass@host` → `nats://***@host`, for every server of a comma-separated list. */
export function redactServers(servers: string): string {
  return servers.replace(/\/\/[^/@,]*@/g, "//***@");
}

