/**
 * Authorization: which caller may do what, decided at the gateway from the request alone. The
 * rules are the catalog's: each endpoint declares its own (`auth` in its contract), and the
 * gateway's own routes declare theirs in their route config, in the same words. An admin passes
 * every rule. A route without a rule is for admins only, so a route added without one fails
 * closed.
 */
import type { AuthRule } from "@gw/micro";
import { type Identity, isAdmin } from "./identity.js";

/** A rule's answer: allowed, or the reason for the 403. */
export type Verdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/**
 * Decides for a verified caller who is not an admin (admins never reach a check). `fields` are
 * the request's fields as they arrived (path, query and body merged), for rules about whose data
 * a request touches; undefined for the gateway's own routes.
 */
export type Check = (identity: Identity, fields: Readonly<Record<string, unknown>> | undefined) => Verdict;

/** `"public"`: no token needed; otherwise a token is needed and the check decides. */
export type Rule = "public" | Check;

const ALLOW: Verdict = { allowed: true };
const deny = (reason: string): Verdict => ({ allowed: false, reason });

/** Any verified caller. */
export const authenticated: Check = () => ALLOW;

/** Admins only: for a non-admin the answer is always no. */
export const adminOnly: Check = () => deny("this needs the admin role");

/** Callers with `role`. */
export function withRole(role: string): Check {
  return (identity) => (identity.roles.includes(role) ? ALLOW : deny(`this needs the ${role} role`));
}

/**
 * The caller's own data only: the request field `field` must equal the caller's subject. When the
 * field is absent the request is about many callers (a list), which is for admins.
 */
export function ownData(field: string): Check {
  return (identity, fields) => {
    const value = fields !== undefined && Object.hasOwn(fields, field) ? fields[field] : undefined;
    if (value === undefined) return deny(`a request without ${field} needs the admin role`);
    const id = canonicalId(value);
    return id !== undefined && id === canonicalId(identity.sub) ? ALLOW : deny(`this is allowed on your own ${field} only`);
  };
}

const checks = new WeakMap<object, Check>();

/** The rule a declaration means; none at all means admins only. */
export function ruleFrom(declared: AuthRule | undefined): Rule {
  if (declared === "public") return "public";
  if (declared === "authenticated") return authenticated;
  if (typeof declared !== "object" || declared === null) return adminOnly;
  let check = checks.get(declared);
  if (check === undefined) {
    if ("self" in declared && typeof declared.self === "string") check = ownData(declared.self);
    else if ("role" in declared && typeof declared.role === "string") check = withRole(declared.role);
    else check = adminOnly;
    checks.set(declared, check);
  }
  return check;
}

/** Applies `check` to a verified caller: admins pass, everyone else is up to the check. */
export function authorize(identity: Identity, check: Check, fields: Readonly<Record<string, unknown>> | undefined): Verdict {
  return isAdmin(identity) ? ALLOW : check(identity, fields);
}

/**
 * The decimal form of a positive safe integer given as a number or a digit string, else
 * undefined. Rules run before schema validation, so they meet raw input: anything that is
 * not plainly an id matches no one, and the id compared is the id the route will use.
 */
export function canonicalId(value: unknown): string | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 1 ? String(value) : undefined;
  if (typeof value !== "string" || !/^[1-9][0-9]{0,15}$/.test(value)) return undefined;
  return Number.isSafeInteger(Number(value)) ? value : undefined;
}
