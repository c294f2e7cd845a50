/**
 * Header variations: request ids from sane to huge, odd Idempotency-Key values, trace context
 * that does not parse, encodings the gateway does not speak, connection and framing headers,
 * and headers whose names or values hold bytes HTTP does not allow.
 */
import fc from "fast-check";
import type { Header } from "./request.js";
import { SHRINK_TO_FIRST, oddString } from "./values.js";

const SANE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** x-request-id: usually absent, else sane, too long, odd, huge (past the 16 KiB header limit) or repeated. */
export const requestIdHeaders: fc.Arbitrary<Header[]> = fc.oneof(
  SHRINK_TO_FIRST,
  { weight: 16, arbitrary: fc.constant<Header[]>([]) },
  { weight: 4, arbitrary: fc.stringMatching(SANE_ID).map((id): Header[] => [["x-request-id", id]]) },
  { weight: 1, arbitrary: fc.integer({ min: 129, max: 4_000 }).map((n): Header[] => [["x-request-id", "r".repeat(n)]]) },
  { weight: 1, arbitrary: oddString.map((id): Header[] => [["x-request-id", id]]) },
  { weight: 1, arbitrary: fc.integer({ min: 8_000, max: 40_000 }).map((n): Header[] => [["x-request-id", "r".repeat(n)]]) },
  { weight: 1, arbitrary: fc.tuple(fc.stringMatching(SANE_ID), fc.stringMatching(SANE_ID)).map(([a, b]): Header[] => [["x-request-id", a], ["x-request-id", b]]) },
  { weight: 1, arbitrary: fc.constantFrom<Header[]>([["x-request-id", ""]], [["x-request-id", " "]], [["X-Request-ID", "CaseMatters-1"]]) },
);

/** Idempotency-Key: the gateway takes 1 to 255 visible ASCII characters; everything else must be a 400. */
export const idempotencyHeaders: fc.Arbitrary<Header[]> = fc.oneof(
  SHRINK_TO_FIRST,
  { weight: 6, arbitrary: fc.constant<Header[]>([]) },
  { weight: 2, arbitrary: fc.stringMatching(/^[\x21-\x7e]{1,40}$/).map((k): Header[] => [["idempotency-key", k]]) },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "a b", "\t", "null", "ключ", "k\u0000", "\u00e9").map((k): Header[] => [["idempotency-key", k]]) },
  { weight: 1, arbitrary: fc.integer({ min: 250, max: 3_000 }).map((n): Header[] => [["idempotency-key", "k".repeat(n)]]) },
  { weight: 1, arbitrary: oddString.map((k): Header[] => [["idempotency-key", k]]) },
  { weight: 1, arbitrary: fc.stringMatching(/^[\x21-\x7e]{1,20}$/).map((k): Header[] => [["idempotency-key", k], ["idempotency-key", `${k}-2`]]) },
);

const TRACEPARENTS = [
  "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-00000000000000000000000000000000-0000000000000000-01",
  "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-xyz-abc-01", "00--", "", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-extra",
] as const;

/** One header from a menu of ones that change how a request is read, traced, encoded or framed. */
const extraHeader: fc.Arbitrary<Header> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<Header>(
    ["accept", "text/html"], ["accept", "*/*;q=0"], ["accept", "application/xml"], ["accept-encoding", "gzip, br"],
    ["accept-encoding", "identity;q=0"], ["content-encoding", "gzip"], ["content-encoding", "br"], ["content-encoding", "x-nope"],
    ["transfer-encoding", "chunked"], ["transfer-encoding", "gzip, chunked"], ["transfer-encoding", "identity"],
    ["expect", "100-continue"], ["expect", "200-ok"], ["connection", "upgrade"], ["upgrade", "websocket"], ["upgrade", "h2c"],
    ["host", ""], ["host", "example.com:99999"], ["host", "[::1"], ["host", "a b"], ["x-forwarded-for", "1, 2, nonsense"],
    ["x-http-method-override", "DELETE"], ["cookie", "a=b; ;;=;"], ["range", "bytes=0-0"], ["if-none-match", "*"],
    ["content-length", "0"], ["content-length", "-1"], ["content-length", "1, 2"], ["content-length", "+5"],
  ) },
  { weight: 3, arbitrary: fc.constantFrom(...TRACEPARENTS).map((v): Header => ["traceparent", v]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("traceparent", "tracestate", "baggage"), oddString).map(([n, v]): Header => [n, v]) },
  { weight: 3, arbitrary: fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), fc.string({ maxLength: 30 })).map(([n, v]): Header => [`x-${n}`, v]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("x a", "x:y", "x\u00e9", "", "x\u0000", "(x)"), fc.string({ maxLength: 10 })).map(([n, v]): Header => [n, v]) },
);

export const extraHeaders: fc.Arbitrary<Header[]> = fc.oneof(
  SHRINK_TO_FIRST,
  { weight: 14, arbitrary: fc.constant<Header[]>([]) },
  { weight: 6, arbitrary: fc.array(extraHeader, { minLength: 1, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 3_000 }).map((n) => Array.from({ length: n }, (_, i): Header => [`x-h${i}`, "v"])) },
);
