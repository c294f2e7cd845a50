/**
 * What roles mean in this application: the toolkit carries an account's roles, and the gateway's
 * rules and the services' ownership checks agree on this one name.
 */

/** The role that may do anything. */
export const ADMIN_ROLE = "admin";

export function isAdmin(account: { readonly roles: readonly string[] }): boolean {
  return account.roles.includes(ADMIN_ROLE);
}
