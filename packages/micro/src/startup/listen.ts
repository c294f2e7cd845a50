/**
 * Turns a failed bind into a `StartupError` that says why in words and names the environment
 * variable to change: `cannot listen on 127.0.0.1:8080: address already in use; is another
 * gateway running? set PORT to a free port`. Shared by every program that listens: the gateway's
 * HTTP server, a service's RPC and admin servers.
 */
import { StartupError } from "./error.js";

export interface ListenSetting {
  /** The program, for the hint about another copy of it (when `hostVariable` is set). */
  readonly program: string;
  /** Where it tried to listen, as configured (`host:port`). */
  readonly address: string;
  /** The variable that sets the port (`PORT`), or the whole address (`MICRO_SERVER_ADDRESS`). */
  readonly variable: string;
  /** The variable that sets the host, when another one does (`HOST`). @default variable */
  readonly hostVariable?: string;
}

/** Codes of a failed name lookup: the host does not resolve. */
const LOOKUP_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_FAIL", "EAI_NODATA"]);

/**
 * The `StartupError` for a socket's failed listen (or its host's lookup); anything else, such as
 * a NATS connection failing under a transport's listen, is returned as it was.
 */
export function listenFailure(error: unknown, setting: ListenSetting): unknown {
  const { code, syscall, hostname } = (error ?? {}) as { code?: unknown; syscall?: unknown; hostname?: unknown };
  if (syscall !== "listen" && syscall !== "getaddrinfo" && !(typeof code === "string" && LOOKUP_CODES.has(code))) return error;
  const reason = explain(String(code), typeof hostname === "string" ? hostname : undefined, setting);
  return new StartupError(`cannot listen on ${setting.address}: ${reason}`, { cause: error });
}

function explain(code: string, hostname: string | undefined, setting: ListenSetting): string {
  // A variable holding the whole address gets examples of whole addresses.
  const whole = setting.hostVariable === undefined;
  const hostVariable = setting.hostVariable ?? setting.variable;
  const examples = whole ? "e.g. 127.0.0.1:0 or 0.0.0.0:9000" : "e.g. 127.0.0.1 or 0.0.0.0";
  if (LOOKUP_CODES.has(code)) {
    return `the host ${JSON.stringify(hostname ?? setting.address)} does not resolve (${code}); set ${hostVariable} to a name or address of this machine, ${examples}`;
  }
  switch (code) {
    case "EADDRINUSE":
      // A program's own port is most often taken by another copy of it; a service's ports, set
      // by one variable for every service, as often by a sibling.
      return whole
        ? `address already in use; is another program listening there? set ${setting.variable} to a free port (port 0: any)`
        : `address already in use; is another ${setting.program} running? set ${setting.variable} to a free port`;
    case "EADDRNOTAVAIL":
      return `no interface of this machine has that address; set ${hostVariable} to one that does, ${examples}`;
    case "EACCES":
      return `permission denied (ports below 1024 need privileges); set ${setting.variable} to a port from 1024 up`;
    default:
      return `${code} (check ${whole ? setting.variable : `${hostVariable} and ${setting.variable}`})`;
  }
}
