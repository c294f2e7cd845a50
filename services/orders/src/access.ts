/**
 * Whose orders a call may touch, from the account its verified credential names. With auth on a
 * call without an account never reaches a handler (the server refuses it), and one that somehow
 * did is refused here too: "no account" means "allowed" only when auth is configured off.
 */
import { type Account, unauthorized } from "@gw/micro";
import { isAdmin } from "@gw/proto";

/** `anyone`: auth is off, or an admin acts; `user`: only that user's orders. */
export type Actor = { readonly kind: "anyone" } | { readonly kind: "user"; readonly userId: string };

const ANYONE: Actor = { kind: "anyone" };

export function actorOf(account: Account | undefined, authEnabled: boolean): Actor {
  if (!authEnabled) return ANYONE;
  if (account === undefined) throw unauthorized("orders", "a call credential is required", { reason: "credential_required" });
  return isAdmin(account) ? ANYONE : { kind: "user", userId: account.id };
}

export function mayActFor(actor: Actor, userId: number): boolean {
  return actor.kind === "anyone" || actor.userId === String(userId);
}
