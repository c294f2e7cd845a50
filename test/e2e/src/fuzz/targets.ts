/**
 * Request targets: the contract's routes with every kind of id in their id segment and every
 * kind of query string after them, and paths that are not routes at all (traversal, double and
 * encoded slashes, wrong case, trailing parts, raw bytes, very long).
 */
import fc from "fast-check";
import { ID_TEXTS, SHRINK_TO_FIRST, encode, idText, knownId, oddString, unicodeDigits } from "./values.js";

export interface Route {
  readonly template: string;
  /** The methods the contract gives this path (HEAD is added wherever GET is). */
  readonly methods: readonly string[];
}

export const ROUTES: readonly Route[] = [
  { template: "/users", methods: ["GET", "POST"] },
  { template: "/users/{id}", methods: ["GET", "PATCH", "DELETE"] },
  { template: "/products", methods: ["GET", "POST"] },
  { template: "/products/{id}", methods: ["GET", "PATCH", "DELETE"] },
  { template: "/orders", methods: ["GET", "POST"] },
  { template: "/orders/{id}", methods: ["GET"] },
  { template: "/orders/{id}/cancel", methods: ["POST"] },
  { template: "/rpc", methods: ["POST"] },
  { template: "/health", methods: ["GET"] },
  { template: "/ready", methods: ["GET"] },
];

export function allowedMethods(route: Route): string[] {
  return route.methods.includes("GET") ? [...route.methods, "HEAD"] : [...route.methods];
}

/** Bad percent-escapes: truncated, not hex, an encoded NUL, bytes that decode to no UTF-8. */
const BAD_ESCAPES = ["%", "%2", "%zz", "%00", "%ff", "%c0%80", "%ed%a0%80", "%%", "%u0031", "%2F", "%2f..", "%0a", "%0d%0a"] as const;

/** The id segment as it goes on the wire. An empty one turns `/users/{id}` into `/users/`. */
export const idSegment = fc.oneof(
  SHRINK_TO_FIRST,
  { weight: 5, arbitrary: knownId.map(String) },
  { weight: 6, arbitrary: fc.constantFrom(...ID_TEXTS).map(encode) },
  { weight: 4, arbitrary: idText.map(encode) },
  { weight: 2, arbitrary: unicodeDigits.map(encode) },
  { weight: 1, arbitrary: unicodeDigits },
  { weight: 2, arbitrary: fc.tuple(knownId, fc.constantFrom(...BAD_ESCAPES)).map(([id, bad]) => `${id}${bad}`) },
  { weight: 1, arbitrary: fc.constantFrom(...BAD_ESCAPES) },
  { weight: 1, arbitrary: oddString.map(encode) },
  { weight: 1, arbitrary: fc.oneof(fc.integer({ min: 17, max: 2_000 }), fc.integer({ min: 2_000, max: 60_000 })).map((n) => "9".repeat(n)) },
);

const KNOWN_KEYS = ["id", "limit", "offset", "user_id"] as const;
const ODD_KEYS = ["", "__proto__", "constructor", "prototype", "id[]", "id[0]", "ID", "id ", "a.b", "sort", "toString", "hasOwnProperty", "limit\u0000"] as const;

const queryKey = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KNOWN_KEYS) },
  { weight: 2, arbitrary: fc.constantFrom(...ODD_KEYS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
);
const queryValue = fc.oneof(
  { weight: 4, arbitrary: knownId.map(String) },
  { weight: 2, arbitrary: fc.constantFrom("0", "1", "500", "501", "-1", "1e2", "") },
  { weight: 4, arbitrary: idText },
  { weight: 1, arbitrary: oddString },
  { weight: 1, arbitrary: fc.integer({ min: 500, max: 6_000 }).map((n) => "1".repeat(n)) },
);

/** How one pair is written: encoded, key only, value only, spaces as `+`, or with a broken escape. */
type PairForm = "kv" | "k" | "=v" | "plus" | "bad";
const pair = fc.record({
  key: queryKey,
  value: queryValue,
  form: fc.constantFrom<PairForm>("kv", "kv", "kv", "kv", "k", "=v", "plus", "bad"),
  bad: fc.constantFrom(...BAD_ESCAPES),
});

function writePair({ key, value, form, bad }: { key: string; value: string; form: PairForm; bad: string }): string {
  const k = encode(key);
  const v = encode(value);
  switch (form) {
    case "k":
      return k;
    case "=v":
      return `=${v}`;
    case "plus":
      return `${k}=${v.replaceAll("%20", "+")}+`;
    case "bad":
      return `${k}=${v}${bad}`;
    default:
      return `${k}=${v}`;
  }
}

/** A query string, `?` included, or "" for none: unknown, repeated, empty and percent-encoded keys and values. */
export const queryString = fc.oneof(
  SHRINK_TO_FIRST,
  { weight: 3, arbitrary: fc.constant("") },
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.array(pair, { minLength: 1, maxLength: 6 }), fc.constantFrom("&", "&", "&", ";", "&&"), fc.constantFrom("?", "?", "?", "??", "?&"))
      .map(([pairs, join, lead]) => lead + pairs.map(writePair).join(join)),
  },
  { weight: 1, arbitrary: fc.constantFrom("?", "?&", "?=", "?&&&", "?#x", "?id=1#frag", "?id=1&id=2", "?limit=1&limit=2&offset=0&offset=1") },
);

/** Paths that are no route, or a route written oddly: each must be a 4xx in the error shape. */
const ODD_PATHS = [
  "/", "//", "///users", "//users", "/users//1", "/users/1//", "/users/../products/100", "/users/%2e%2e/products", "/./users",
  "/users/./1", "/%2e%2e/%2e%2e/etc/passwd", "/users/..;/1", "/users%2F1", "/users/1%2f", "%2Fusers", "/USERS", "/Users/1",
  "/users/", "/users/1/", "/users/1/cancel", "/orders/1/cancel/", "/orders//cancel", "/orders/1/CANCEL", "/rpc/", "/rpc/users",
  "/health/", "/health/..", "/ready/x", "/metrics/", "/users;jsessionid=1", "/users/1.json", "/users/1;", "/users\\1",
  "/users/1%00", "/%00", "/users/%E2%80%AE1", "/\u00e9", "/users/\u0661", "*", "users", "?id=1", "http://example.com/users/1",
  "/users/1 HTTP/1.1", "/users/\t1", "/users/1#x", "/favicon.ico", "/.env", "/.git/config", "/admin", "/api/users",
] as const;

export const oddPath = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...ODD_PATHS) },
  { weight: 2, arbitrary: fc.webPath() },
  { weight: 1, arbitrary: fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 5 }).map((segments) => `/${segments.join("/")}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("/users/", "/products/", "/orders/", "/", "/rpc/"), fc.integer({ min: 2_000, max: 40_000 })).map(([p, n]) => p + "a".repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 3_000 }).map((n) => "/users".repeat(n)) },
);
