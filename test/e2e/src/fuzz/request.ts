/**
 * One generated request, as plain data: what the generators produce, what fast-check shrinks,
 * what the sender puts on the wire and what a report prints. Kept free of behaviour so a shrunk
 * counterexample prints exactly as it was sent.
 */
import { METHODS } from "node:http";

export type Header = readonly [name: string, value: string];

export interface FuzzRequest {
  /** The route or family it aims at, for the summary: `POST /users/{id}`, `odd path`, `framing`. */
  readonly label: string;
  readonly method: string;
  /** The request target as sent: path and query, encoded (or deliberately not). */
  readonly target: string;
  /** In order; a name may repeat. */
  readonly headers: readonly Header[];
  /** Text is sent as UTF-8; bytes as they are (invalid UTF-8 included). */
  readonly body?: string | Uint8Array | undefined;
  /**
   * Set when the target's path has the shape of a contract route (whatever its id segment
   * holds): the methods that route answers, so a wrong method can be told from a wrong path.
   */
  readonly allowed?: readonly string[] | undefined;
  /** A whole request written byte for byte (broken framing); method, target and headers describe it. */
  readonly wire?: Uint8Array | undefined;
}

/** Methods Node's HTTP parser accepts; anything else is refused before any route is looked up. */
export const PARSER_METHODS: ReadonlySet<string> = new Set(METHODS);

export const WRITE_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function bodyBytes(body: FuzzRequest["body"]): Uint8Array | undefined {
  if (body === undefined) return undefined;
  return typeof body === "string" ? Buffer.from(body, "utf8") : body;
}

export function headerValue(request: FuzzRequest, name: string): string | undefined {
  return request.headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

const PREVIEW_CHARS = 300;
const SHOWN_HEADERS = 12;

/** A one-screen description: method, target, headers and the body, escaped and cut. */
export function describeRequest(request: FuzzRequest): string {
  const lines = [`${request.method} ${escape(request.target, PREVIEW_CHARS)}`];
  for (const [name, value] of request.headers.slice(0, SHOWN_HEADERS)) lines.push(`  ${escape(name, 80)}: ${escape(value, 120)}`);
  if (request.headers.length > SHOWN_HEADERS) lines.push(`  …and ${request.headers.length - SHOWN_HEADERS} more headers`);
  const bytes = bodyBytes(request.body);
  if (bytes !== undefined) {
    const text = typeof request.body === "string" ? request.body : Buffer.from(bytes).toString("latin1");
    const kind = typeof request.body === "string" ? "" : " raw bytes";
    lines.push(`  body (${bytes.length} bytes${kind}): ${escape(text, PREVIEW_CHARS)}`);
  }
  if (request.wire !== undefined) lines.push(`  sent byte for byte: ${escape(Buffer.from(request.wire).toString("latin1"), PREVIEW_CHARS)}`);
  return lines.join("\n");
}

/** JSON string escaping (control characters and lone surrogates made visible), cut in the middle. */
export function escape(text: string, max: number): string {
  const shown = text.length <= max ? text : `${text.slice(0, max / 2)}…[${text.length - max} more]…${text.slice(-max / 2)}`;
  return JSON.stringify(shown).slice(1, -1);
}
