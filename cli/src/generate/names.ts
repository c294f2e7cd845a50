/** How one service name is spelt in each place the deploy files name it. */

/** `PAYMENTS`, `GIFT_CARDS`: the prefix of its environment variables (`<PREFIX>_NATS_NKEY`). */
export function envPrefix(name: string): string {
  return name.toUpperCase().replaceAll("-", "_");
}

/** `payments`, `gift_cards`: its PostgreSQL database (a dash would need quoting in SQL). */
export function databaseName(name: string): string {
  return name.replaceAll("-", "_");
}

/** `Payments`, `GiftCards`: the start of its handler's name (`PaymentsService`). */
export function pascal(name: string): string {
  return name
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

/** `users`, `users and products`, `users, products and orders`. */
export function sentence(names: readonly string[]): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** `["users", "products"]` as YAML and JSON write a flow list. */
export function flowList(names: readonly string[]): string {
  return `[${names.map((n) => JSON.stringify(n)).join(", ")}]`;
}
