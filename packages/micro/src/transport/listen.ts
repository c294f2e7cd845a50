/**
 * Binds a socket server to `host:port` (port 0: any free one) and says where it listens; shared
 * by every server that takes an address: the TCP and HTTP transports and the admin server.
 */
import type { AddressInfo, Server } from "node:net";
import { joinHostPort, splitHostPort } from "./address.js";

/** Resolves with the bound `host:port` once listening; rejects when binding fails. */
export async function listenOn(server: Server, address: string): Promise<string> {
  const { host, port } = splitHostPort(address);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return joinHostPort(host, (server.address() as AddressInfo).port);
}
