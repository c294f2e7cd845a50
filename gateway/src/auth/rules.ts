/**
 * Authorization: which caller may do what, decided at the gateway from the request alone.
 * One table maps each route (method and Fastify path) to a rule; an admin passes every rule.
 * A route with no entry is admin only, so a route added without a rule fails closed.
 */
import { type Identity, isAdmin } from "./identity.js";

/** What a rule may look at: the request's path parameters, query and (parsed) body. */
export interface RuleInput {
  readonly params: unknown;
  readonly query: unknown;
  readonly body: unknown;
}

/** A rule's answer: allowed, or the reason for the 403. */
export type Verdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/** Decides for a verified caller who is not an admin (admins never reach a rule). */
export type Check = (identity: Identity, input: RuleInput) => Verdict;

/** `"public"`: no token needed; otherwise a token is needed and the check decides. */
export type Rule = "public" | Check;

const ALLOW: Verdict = { allowed: true };
const deny = (reason: string): Verdict => ({ allowed: false, reason });

/** Any verified caller. */
export const authenticated: Check = () => ALLOW;

/** Admins only: for a non-admin the answer is always no. */
export const adminOnly: Check = () => deny("this needs the admin role");

type Part = keyof RuleInput;

/**
 * The caller's own user only: the id at `part.field` must equal `sub`. When the field is
 * absent the request is about many users (a list), which is for admins.
 */
export function ownUser(part: Part, field: string, what: string): Check {
  return (identity, input) => {
    const value = fieldOf(input[part], field);
    if (value === undefined) return deny(`${what} without ${field} needs the admin role`);
    const id = canonicalId(value);
    return id !== undefined && id === canonicalId(identity.sub) ? ALLOW : deny(`${what} is allowed for your own user only`);
  };
}

/** The rule table. Keys are `METHOD path` as the routes declare them; HEAD follows GET. */
export const RULES: Readonly<Record<string, Rule>> = {
  "GET /health": "public",
  "GET /ready": "public",
  // What runs and how much of it: not for every caller.
  "GET /metrics": adminOnly,

  "GET /users": ownUser("query", "id", "reading users"),
  "GET /users/:id": ownUser("params", "id", "reading a user"),
  "PATCH /users/:id": ownUser("params", "id", "changing a user"),
  "POST /users": adminOnly,
  "DELETE /users/:id": adminOnly,

  "GET /products": authenticated,
  "GET /products/:id": authenticated,
  "POST /products": adminOnly,
  "PATCH /products/:id": adminOnly,
  "DELETE /products/:id": adminOnly,

  "POST /orders": ownUser("body", "user_id", "ordering"),
  "GET /orders": ownUser("query", "user_id", "listing orders"),
  // The gateway cannot know an order's owner; the orders service checks it from `user-id`.
  "GET /orders/:id": authenticated,
  "POST /orders/:id/cancel": authenticated,

  "POST /rpc": adminOnly,
};

/** The rule of a route, or undefined when the table has none. */
export function ruleOf(method: string, url: string): Rule | undefined {
  const key = `${method === "HEAD" ? "GET" : method} ${url}`;
  return Object.hasOwn(RULES, key) ? RULES[key] : undefined;
}

/** Applies `check` to a verified caller: admins pass, everyone else is up to the check. */
export function authorize(identity: Identity, check: Check, input: RuleInput): Verdict {
  return isAdmin(identity) ? ALLOW : check(identity, input);
}

function fieldOf(part: unknown, field: string): unknown {
  if (typeof part !== "object" || part === null) return undefined;
  return Object.hasOwn(part, field) ? (part as Record<string, unknown>)[field] : undefined;
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
