/**
 * @gw/proto: the contracts of the three services, shared by servers and callers the way
 * go-micro services share generated proto code.
 */
export * from "./common.js";
export * from "./users.js";
export * from "./products.js";
export * from "./orders.js";
export * from "./access.js";
export * from "./reasons.js";
