/**
 * The address other nodes should dial. A wildcard bind (`0.0.0.0`, `::`) is not dialable,
 * so it is replaced with this machine's first external IPv4 address, as go-micro does; an
 * address that is not `host:port` (a NATS subject) is already what others use.
 */
import { networkInterfaces } from "node:os";
import { joinHostPort, splitHostPort } from "../transport/address.js";

export function advertisedAddress(bound: string): string {
  // Not every transport listens on a socket: a NATS node's address is its subject.
  if (!/:\d+$/.test(bound)) return bound;
  const { host, port } = splitHostPort(bound);
  if (host !== "0.0.0.0" && host !== "::" && host !== "") return bound;
  return joinHostPort(externalIPv4() ?? "127.0.0.1", port);
}

function externalIPv4(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.family === "IPv4" && !a.internal) return a.address;
    }
  }
  return undefined;
}
