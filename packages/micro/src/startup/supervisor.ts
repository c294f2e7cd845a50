/**
 * Tells a supervising launcher (`npm start`) that this program listens, and where, over the IPC
 * channel Node opens when the launcher spawns it with one. The launcher can then tell its own
 * child's success from another process that already answers on the same port, which polling the
 * port alone cannot. A log line would do the same until `LOG_LEVEL=warn` hides it; a message on
 * the channel does not depend on the log level. Without a channel (containers, tests) it does
 * nothing.
 */

/** What a program sends its launcher once it listens. */
export interface ListeningMessage {
  readonly type: "listening";
  /** The bound address: `http://127.0.0.1:8080` for the gateway, `host:port` for a service. */
  readonly address: string;
}

export function notifyListening(address: string): void {
  if (!process.send || !process.connected) return;
  const message: ListeningMessage = { type: "listening", address };
  // The callback takes any error (the launcher gone): it must not crash a running program.
  process.send(message, () => {});
}
