/**
 * The caller's identity as the gateway verified it, and how it travels on: as a typed Fastify
 * request decoration for the gateway's own hooks, and as the account of the gateway's calls, for
 * which the gateway signs each call's credential, so the services can check ownership on an
 * identity they can verify.
 */
import type { Account, AuthRule } from "@gw/micro";
import { ADMIN_ROLE, isAdmin as accountIsAdmin } from "@gw/proto";

/** Who made the request: the token's `sub` and `roles` claims. */
export interface Identity {
  /** A numeric user id such as `"1"`, or any other string for a service account. */
  readonly sub: string;
  readonly roles: readonly string[];
}

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the auth hooks when the request carried a valid token; absent when auth is off. */
    identity?: Identity;
  }
  interface FastifyContextConfig {
    /**
     * The rule of one of the gateway's own routes, in the words the catalog's endpoints use;
     * none: admins only.
     */
    auth?: AuthRule;
  }
}

export { ADMIN_ROLE };

/**
 * Role names are joined with commas into one metadata value, so a role may not contain one;
 * the character set is a header-safe token, which every real role name fits.
 */
const ROLE = /^[A-Za-z0-9._:-]{1,64}$/;

/** Subjects become metadata values and log fields: bounded, and free of control characters. */
const MAX_SUB_LENGTH = 256;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Why a token's claims do not make an identity, for the 401's description; undefined when they do. */
export function claimsProblem(claims: { readonly sub?: unknown; readonly roles?: unknown }): string | undefined {
  const { sub, roles } = claims;
  if (typeof sub !== "string" || sub === "") return "the token has no subject (sub)";
  if (sub.length > MAX_SUB_LENGTH || CONTROL.test(sub)) return "the token's subject (sub) is not acceptable";
  if (roles === undefined) return undefined;
  if (!Array.isArray(roles) || !roles.every((r) => typeof r === "string" && ROLE.test(r))) {
    return "the token's roles claim must be a list of role names";
  }
  return undefined;
}

/** The identity of claims that passed `claimsProblem`. */
export function identityOf(claims: { readonly sub?: unknown; readonly roles?: unknown }): Identity {
  const roles = Array.isArray(claims.roles) ? (claims.roles as string[]) : [];
  return { sub: String(claims.sub), roles: Object.freeze([...new Set(roles)]) };
}

export function isAdmin(identity: Identity): boolean {
  return accountIsAdmin(identity);
}

/** The account the gateway's calls act for; undefined lets them act as the gateway itself. */
export function accountOf(identity: Identity | undefined): Pick<Account, "id" | "roles"> | undefined {
  return identity === undefined ? undefined : { id: identity.sub, roles: identity.roles };
}
