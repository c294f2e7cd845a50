/**
 * What must never reach a client: stack traces, SQL and database errors, file system paths,
 * network addresses. A match that is the client's own input echoed back (a 404 naming the path
 * it was asked for) is not a leak, so each match is looked for in the request first.
 */
import { type FuzzRequest, bodyBytes } from "./request.js";

export type LeakFamily = "stack trace" | "SQL" | "file path" | "address";

interface Pattern {
  readonly family: LeakFamily;
  readonly name: string;
  readonly regex: RegExp;
  /**
   * Looked for in error answers only: a short code this loose could turn up by chance in the
   * names and emails earlier requests stored, which lists return.
   */
  readonly errorsOnly?: boolean;
}

const PATTERNS: readonly Pattern[] = [
  { family: "stack trace", name: "stack frame", regex: / {4}at |\bat (?:async )?[\w$.<>]+ \(/ },
  { family: "stack trace", name: "source line reference", regex: /\.(?:ts|js|mjs|cjs):\d+/ },
  { family: "stack trace", name: "error class", regex: /\b(?:Range|Type|Reference|Syntax|Eval|URI|Aggregate)Error\b|Maximum call stack/ },
  { family: "SQL", name: "SQL statement", regex: /\b(?:SELECT|INSERT|UPDATE|DELETE)\b[^\n]{0,200}?\b(?:FROM|INTO|SET|WHERE)\b/ },
  { family: "SQL", name: "database error text", regex: /syntax error at|\bviolates\b|duplicate key value|invalid input syntax|invalid byte sequence|out of range for type|value too long for type|null value in column|current transaction is aborted|numeric field overflow|\bSQLSTATE\b|\bpglite\b/i },
  { family: "SQL", name: "SQLSTATE code", regex: /"(?:code|sqlstate)"\s*:\s*"[0-9A-Z]{5}"|\b(?:[0-9A-Z]{2}P[0-9]{2}|XX[0-9]{3}|P0[0-9]{3}|0A000)\b/, errorsOnly: true },
  { family: "file path", name: "file path", regex: /\/(?:work|home|tmp|root|usr|var\/lib)\/|\/(?:work|home|tmp)\b|node_modules|\bdist\/|file:\/\// },
  { family: "address", name: "IPv4 address and port", regex: /\b(?:\d{1,3}\.){3}\d{1,3}:\d{1,5}\b/ },
  { family: "address", name: "localhost and port", regex: /\blocalhost:\d+/i },
  { family: "address", name: "IPv6 address and port", regex: /\[[0-9a-f:]*:[0-9a-f:]*\]:\d+/i },
  { family: "address", name: "connection URL", regex: /\b(?:nats|postgres|postgresql|redis|tcp|amqp|mongodb):\/\//i },
  { family: "address", name: "socket error code", regex: /\bE(?:CONNREFUSED|CONNRESET|TIMEDOUT|PIPE|NOTFOUND|ADDRINUSE|HOSTUNREACH)\b/ },
];

export interface Leak {
  readonly family: LeakFamily;
  readonly name: string;
  /** Where: `body` or the header's name. */
  readonly where: string;
  readonly match: string;
}

/** The request as text, in the forms a server might echo it: raw, percent-decoded, JSON-escaped. */
function echoes(request: FuzzRequest): string {
  const parts = [request.method, request.target, safeDecode(request.target)];
  for (const [name, value] of request.headers) parts.push(name, value);
  const body = bodyBytes(request.body);
  if (body !== undefined) {
    const text = Buffer.from(body).toString("utf8");
    parts.push(text, JSON.stringify(text));
  }
  if (request.wire !== undefined) parts.push(Buffer.from(request.wire).toString("latin1"));
  return parts.join("\n").toLowerCase();
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Every leak in `texts` (body and header values by where they came from) that is not an echo of `request`. */
export function findLeaks(request: FuzzRequest | undefined, texts: ReadonlyArray<readonly [where: string, text: string]>, isError: boolean): Leak[] {
  const echoed = request === undefined ? "" : echoes(request);
  const found: Leak[] = [];
  for (const [where, text] of texts) {
    for (const { family, name, regex, errorsOnly } of PATTERNS) {
      if (errorsOnly === true && !isError) continue;
      const match = regex.exec(text)?.[0];
      if (match !== undefined && !echoed.includes(match.toLowerCase())) found.push({ family, name, where, match });
    }
  }
  return found;
}
