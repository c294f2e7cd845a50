/**
 * `host:port` parsing shared by socket transports, with IPv6 `[::1]:port` support.
 */

export function splitHostPort(address: string): { host: string; port: number } {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address.trim());
  if (!match) throw new Error(`invalid address "${address}": expected host:port`);
  const port = Number(match[2]);
  if (port > 65535) throw new Error(`invalid port in "${address}"`);
  return { host: match[1] || "0.0.0.0", port };
}

export function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
