/**
 * Keys and tokens for the auth tests: HS256 tokens with any claims (including broken ones), an
 * unsigned `alg: none` token built by hand (jose will not sign one), and a JWKS published by a
 * real local HTTP server, as an identity provider would publish it.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type CryptoKey, type JWTPayload, SignJWT, exportJWK, generateKeyPair } from "jose";

export interface TokenOptions {
  /** @default "HS256" */
  readonly alg?: string;
  /** Seconds from now; negative for an expired token. @default 300 */
  readonly expiresInSec?: number;
  /** Leave `exp` out altogether. */
  readonly noExpiry?: boolean;
  /** Seconds ago the token says it was issued. @default 0 */
  readonly issuedAgoSec?: number;
  readonly kid?: string;
}

/** A JWT over `claims` (`sub` and `roles` included as given), signed with `key`. */
export async function signToken(claims: JWTPayload, key: Uint8Array | CryptoKey, options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: options.alg ?? "HS256", typ: "JWT", ...(options.kid !== undefined ? { kid: options.kid } : {}) };
  const jwt = new SignJWT(claims).setProtectedHeader(header).setIssuedAt(now - (options.issuedAgoSec ?? 0));
  if (options.noExpiry !== true) jwt.setExpirationTime(now + (options.expiresInSec ?? 300));
  return jwt.sign(key);
}

/** An HS256 key from a string secret, as the gateway derives it. */
export function secretBytes(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/** An unsecured JWT (`alg: none`, empty signature): what a forger sends hoping for no check. */
export function unsignedToken(claims: JWTPayload): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString("base64url");
  const exp = Math.floor(Date.now() / 1000) + 300;
  return `${part({ alg: "none", typ: "JWT" })}.${part({ exp, ...claims })}.`;
}

export interface JwksServer {
  /** The URL of the key set, for `AUTH_JWKS_URL`. */
  readonly url: string;
  /** Private keys whose public halves the set publishes, by algorithm. */
  readonly keys: { readonly RS256: CryptoKey; readonly ES256: CryptoKey };
  /** How many times the key set was fetched. */
  readonly fetches: () => number;
  close(): Promise<void>;
}

/** Serves an RS256 and an ES256 public key (kids `rs-1`, `es-1`) at `/.well-known/jwks.json`. */
export async function startJwksServer(): Promise<JwksServer> {
  const rs = await generateKeyPair("RS256");
  const es = await generateKeyPair("ES256");
  const jwks = {
    keys: [
      { ...(await exportJWK(rs.publicKey)), kid: "rs-1", alg: "RS256", use: "sig" },
      { ...(await exportJWK(es.publicKey)), kid: "es-1", alg: "ES256", use: "sig" },
    ],
  };
  let fetches = 0;
  const server = createServer((req, res) => {
    if (req.url !== "/.well-known/jwks.json") return void res.writeHead(404).end();
    fetches++;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    keys: { RS256: rs.privateKey, ES256: es.privateKey },
    fetches: () => fetches,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A URL where nothing listens: a port that was free a moment ago. */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/.well-known/jwks.json`;
}
