/**
 * The TCP transport's node side. Every request frame starts a handler at once, so calls on one
 * connection run concurrently and are answered in whatever order they finish; the id pairs them up.
 * Closing drains without racing callers: the listening socket closes, every connection gets a
 * GOAWAY, and the callers, having stopped sending, half-close once their calls are answered. A
 * request that crossed the GOAWAY is answered REFUSED (a 503 the caller takes as "not delivered"
 * and retries elsewhere), never dropped. Connections still open after the grace period are cut.
 */
import { type Server, type Socket, createServer } from "node:net";
import { listenOn } from "../listen.js";
import type { Listener, TransportHandler } from "../index.js";
import { ServerConnection } from "./server-connection.js";

export class TcpListener implements Listener {
  private readonly connections = new Set<ServerConnection>();
  private allClosed: (() => void) | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly server: Server,
    readonly address: string,
  ) {}

  /** Open connections, callers' and half-closed ones alike. */
  get connectionCount(): number {
    return this.connections.size;
  }

  add(connection: ServerConnection): void {
    if (this.closing) connection.goAway();
    this.connections.add(connection);
  }

  remove(connection: ServerConnection): void {
    this.connections.delete(connection);
    if (this.connections.size === 0) this.allClosed?.();
  }

  close(graceMs: number): Promise<void> {
    this.closing ??= this.drain(graceMs);
    return this.closing;
  }

  private async drain(graceMs: number): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections) connection.goAway();
    if (this.connections.size > 0) {
      await new Promise<void>((resolve) => {
        this.allClosed = resolve;
        setTimeout(resolve, graceMs).unref();
      });
    }
    for (const connection of this.connections) connection.destroy();
    await stopped;
  }
}

export async function listenTcp(address: string, handler: TransportHandler): Promise<TcpListener> {
  const server = createServer({ allowHalfOpen: true });
  const listener = new TcpListener(server, await listenOn(server, address));
  server.on("connection", (socket: Socket) => {
    const connection = new ServerConnection(socket, handler, () => listener.remove(connection));
    listener.add(connection);
  });
  return listener;
}
