/**
 * Auth between programs: every call carries a credential that its callee can verify, so a service
 * acts only on an identity that a trusted program vouched for, never on what a caller's metadata
 * claims. go-micro's auth wrapper checks the caller's token again in every service; here the
 * credential is a short-lived token that the calling program signs for one callee.
 *
 * An `Account` is who the call acts for: a user the gateway authenticated, or a program acting for
 * itself. What its roles mean is the application's business; the toolkit only carries them.
 */

export interface Account {
  /** The subject acted for: a user id, or a program's own name for calls it makes for itself. */
  readonly id: string;
  readonly roles: readonly string[];
  /** The program that signed the call's credential: `gateway`, `orders`, … */
  readonly issuer: string;
}

/** The metadata key that carries a call's credential. */
export const CREDENTIAL = "micro-credential";

/** Signs credentials for outgoing calls: one per callee and account, reused while it is young. */
export interface CredentialSigner {
  /** The program that signs, the `issuer` of every credential it makes. */
  readonly issuer: string;
  /** A credential for a call to `audience` acting for `account` (or for the signer itself). */
  credentialFor(audience: string, account: Pick<Account, "id" | "roles"> | undefined): string;
}

/** Why a credential was refused; the 401's detail says no more than this. */
export type CredentialProblem = "missing" | "malformed" | "signature" | "expired" | "audience";

export type CredentialCheck = { readonly ok: true; readonly account: Account } | { readonly ok: false; readonly problem: CredentialProblem };

/** Verifies credentials arriving at one service. */
export interface CredentialVerifier {
  verify(credential: string | undefined): CredentialCheck;
}

export { createCredentialSigner, createCredentialVerifier, DEFAULT_CREDENTIAL_LIFETIME_MS, CLOCK_SKEW_MS } from "./credential.js";
export { type AuthEnv, readAuthEnv, MIN_AUTH_SECRET_BYTES } from "./config.js";
