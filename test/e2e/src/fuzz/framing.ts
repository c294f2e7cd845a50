/**
 * Requests broken below HTTP's semantics, written byte for byte: no Host, other versions, bare
 * LF line ends, folded or nameless header lines, both Content-Length and Transfer-Encoding, bad
 * chunk sizes, CONNECT, methods the parser does not know, request lines with extra parts. Node's
 * parser refuses these before any route runs, so they test the server's own error answers.
 *
 * None leaves the server waiting for bytes that never come (a Content-Length above the body, an
 * unterminated chunked body): a hang the client caused would prove nothing.
 */
import fc from "fast-check";
import type { FuzzRequest } from "./request.js";

interface Parts {
  readonly path: string;
  readonly body: string;
}

const CRLF = "\r\n";
const JSON_BODY = '{"email":"frame@example.com","name":"F"}';

/** Each template: a name for the summary, and the request text for a path and a small body. */
const TEMPLATES: ReadonlyArray<readonly [string, (p: Parts) => string]> = [
  ["no Host header", (p) => `GET ${p.path} HTTP/1.1${CRLF}Connection: close${CRLF}${CRLF}`],
  ["two Host headers", (p) => `GET ${p.path} HTTP/1.1${CRLF}Host: a${CRLF}Host: b${CRLF}Connection: close${CRLF}${CRLF}`],
  ["HTTP/1.0", (p) => `GET ${p.path} HTTP/1.0${CRLF}${CRLF}`],
  ["HTTP/2.0 request line", (p) => `GET ${p.path} HTTP/2.0${CRLF}Host: x${CRLF}Connection: close${CRLF}${CRLF}`],
  ["HTTP/9.9", (p) => `GET ${p.path} HTTP/9.9${CRLF}Host: x${CRLF}Connection: close${CRLF}${CRLF}`],
  ["no version", (p) => `GET ${p.path}${CRLF}Host: x${CRLF}Connection: close${CRLF}${CRLF}`],
  ["HTTP/2 preface", () => `PRI * HTTP/2.0${CRLF}${CRLF}SM${CRLF}${CRLF}`],
  ["bare LF line ends", (p) => `GET ${p.path} HTTP/1.1\nHost: x\nConnection: close\n\n`],
  ["folded header", (p) => `GET ${p.path} HTTP/1.1${CRLF}Host: x${CRLF} folded: y${CRLF}Connection: close${CRLF}${CRLF}`],
  ["space before colon", (p) => `GET ${p.path} HTTP/1.1${CRLF}Host : x${CRLF}Connection: close${CRLF}${CRLF}`],
  ["header line without colon", (p) => `GET ${p.path} HTTP/1.1${CRLF}Host: x${CRLF}nocolon${CRLF}Connection: close${CRLF}${CRLF}`],
  ["NUL in a header value", (p) => `GET ${p.path} HTTP/1.1${CRLF}Host: x${CRLF}x-a: a\u0000b${CRLF}Connection: close${CRLF}${CRLF}`],
  ["extra space in request line", (p) => `GET  ${p.path}  HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}${CRLF}`],
  ["lower-case method", (p) => `get ${p.path} HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}${CRLF}`],
  ["unknown method", (p) => `FETCH ${p.path} HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}${CRLF}`],
  ["CONNECT", () => `CONNECT 127.0.0.1:1 HTTP/1.1${CRLF}Host: 127.0.0.1:1${CRLF}Connection: close${CRLF}${CRLF}`],
  ["CONNECT to a path", (p) => `CONNECT ${p.path} HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}${CRLF}`],
  [
    "Content-Length and Transfer-Encoding",
    (p) => `POST ${p.path} HTTP/1.1${CRLF}Host: x${CRLF}Content-Type: application/json${CRLF}Content-Length: ${p.body.length}${CRLF}Transfer-Encoding: chunked${CRLF}Connection: close${CRLF}${CRLF}${p.body.length.toString(16)}${CRLF}${p.body}${CRLF}0${CRLF}${CRLF}`,
  ],
  [
    "two Content-Lengths",
    (p) => `POST ${p.path} HTTP/1.1${CRLF}Host: x${CRLF}Content-Type: application/json${CRLF}Content-Length: ${p.body.length}${CRLF}Content-Length: 1${CRLF}Connection: close${CRLF}${CRLF}${p.body}`,
  ],
  [
    "bad chunk size",
    (p) => `POST ${p.path} HTTP/1.1${CRLF}Host: x${CRLF}Content-Type: application/json${CRLF}Transfer-Encoding: chunked${CRLF}Connection: close${CRLF}${CRLF}zz${CRLF}${p.body}${CRLF}0${CRLF}${CRLF}`,
  ],
  [
    "chunk size with extension and spaces",
    (p) => `POST ${p.path} HTTP/1.1${CRLF}Host: x${CRLF}Content-Type: application/json${CRLF}Transfer-Encoding: chunked${CRLF}Connection: close${CRLF}${CRLF}${p.body.length.toString(16)} ;x="y${CRLF}${p.body}${CRLF}0${CRLF}${CRLF}`,
  ],
  [
    "chunked body with trailers",
    (p) => `POST ${p.path} HTTP/1.1${CRLF}Host: x${CRLF}Content-Type: application/json${CRLF}Transfer-Encoding: chunked${CRLF}Connection: close${CRLF}${CRLF}${p.body.length.toString(16)}${CRLF}${p.body}${CRLF}0${CRLF}x-trailer: \u0001${CRLF}${CRLF}`,
  ],
  [
    "Transfer-Encoding not ending in chunked",
    (p) => `POST ${p.path} HTTP/1.1${CRLF}Host: x${CRLF}Content-Type: application/json${CRLF}Transfer-Encoding: chunked, identity${CRLF}Connection: close${CRLF}${CRLF}${p.body}`,
  ],
  [
    "body longer than Content-Length",
    (p) => `POST ${p.path} HTTP/1.1${CRLF}Host: x${CRLF}Content-Type: application/json${CRLF}Content-Length: 1${CRLF}Connection: close${CRLF}${CRLF}${p.body}`,
  ],
  ["Expect other than 100-continue", (p) => `GET ${p.path} HTTP/1.1${CRLF}Host: x${CRLF}Expect: 200-ok${CRLF}Connection: close${CRLF}${CRLF}`],
  ["asterisk target", () => `OPTIONS * HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}${CRLF}`],
  ["absolute-form target", (p) => `GET http://example.com${p.path} HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}${CRLF}`],
  ["raw control byte in target", (p) => `GET ${p.path}\u0001 HTTP/1.1${CRLF}Host: x${CRLF}Connection: close${CRLF}${CRLF}`],
];

const PATHS = ["/users", "/users/1", "/products/100", "/orders", "/orders/1/cancel", "/rpc", "/health", "/nope"] as const;

/** One request from the templates, on one of the contract's paths. */
export const framingRequest: fc.Arbitrary<FuzzRequest> = fc
  .tuple(fc.constantFrom(...TEMPLATES), fc.constantFrom(...PATHS))
  .map(([[name, write], path]) => {
    const text = write({ path, body: JSON_BODY });
    const [requestLine = ""] = text.split(/\r?\n/);
    const [method = "", target = ""] = requestLine.split(/ +/);
    return { label: `framing: ${name}`, method, target, headers: [], wire: Buffer.from(text, "latin1") };
  });
