/**
 * Request bodies for each write route: valid ones, valid ones with one field broken (wrong
 * type, odd text, odd number, removed, repeated, an unknown field beside it), any JSON at all,
 * nesting and arrays past what recursive code survives, text that is not JSON, bytes that are
 * not UTF-8, empty bodies and bodies over the 1 MiB limit, each under one of many content types.
 */
import fc from "fast-check";
import { Obj, Raw, jsonText, nested } from "./json-text.js";
import { SHRINK_TO_FIRST, anyJson, anyJsonText, deepValue, depth, knownId, largeArray, oddString, unknownKey, wrongValue } from "./values.js";

export type BodyKind = "createUser" | "patchUser" | "createProduct" | "patchProduct" | "createOrder" | "rpc";

export interface BodyPart {
  readonly body?: string | Uint8Array | undefined;
  /** undefined: no content-type header at all. */
  readonly contentType?: string | undefined;
}

const email = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.stringMatching(/^[a-z0-9]{1,16}$/), fc.constantFrom("example.com", "example.org")).map(([l, d]) => `fuzz-${l}@${d}`) },
  { weight: 1, arbitrary: fc.emailAddress() },
  { weight: 1, arbitrary: fc.constantFrom("alice@example.com", "ALICE@EXAMPLE.COM", "bob@example.com") },
);
const name = fc.string({ minLength: 1, maxLength: 40 });
const money = fc.oneof(fc.integer({ min: 1, max: 99_999_999 }).map((cents) => cents / 100), fc.constantFrom(0.01, 99.99, 9_999_999_999.99));
const stock = fc.integer({ min: 0, max: 2_147_483_647 });
const page = fc.record({ limit: fc.integer({ min: 1, max: 500 }), offset: fc.integer({ min: 0, max: 5000 }) }, { requiredKeys: [] });

/** Optional fields present or not, but at least one, as a PATCH needs. */
function someOf(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Obj> {
  return fc.record(fields, { requiredKeys: [] }).filter((r) => Object.keys(r).length > 0).map(Obj.of);
}

const createUser = fc.record({ email, name }).map(Obj.of);
const patchUser = someOf({ email, name });
const createProduct = fc.record({ name, price: money, stock }, { requiredKeys: ["name", "price"] }).map(Obj.of);
const patchProduct = someOf({ name, price: money, stock });
const createOrder = fc.record({ user_id: knownId, product_id: knownId, amount: money }).map(Obj.of);
const withId = (rest: fc.Arbitrary<Obj>) => fc.tuple(knownId, rest).map(([id, obj]) => new Obj([["id", id], ...obj.entries]));
const idOnly = knownId.map((id) => Obj.of({ id }));

/** Every endpoint of the three contracts with a valid request; `/rpc` reaches them all. */
const ENDPOINTS: Record<string, Record<string, fc.Arbitrary<Obj>>> = {
  users: { Get: idOnly, List: page.map(Obj.of), Create: createUser, Update: withId(patchUser), Delete: idOnly },
  products: { Get: idOnly, List: page.map(Obj.of), Create: createProduct, Update: withId(patchProduct), Delete: idOnly },
  orders: {
    Get: idOnly,
    List: fc.record({ user_id: knownId, limit: fc.integer({ min: 1, max: 500 }) }, { requiredKeys: [] }).map(Obj.of),
    Create: createOrder,
    Cancel: idOnly,
  },
};
const HANDLERS: Record<string, string> = { users: "UsersService", products: "ProductsService", orders: "OrdersService" };

/** Names the gateway's pattern lets through but no handler has, including Object.prototype's. */
const ODD_METHODS = ["Nope", "constructor", "toString", "valueOf", "hasOwnProperty", "__proto__", "__defineGetter__", "then", "get", "GET", "_"] as const;

const knownCall = fc.constantFrom(...Object.keys(ENDPOINTS)).chain((service) =>
  fc.constantFrom(...Object.keys(ENDPOINTS[service]!)).chain((method) =>
    ENDPOINTS[service]![method]!.map((request) => ({ service, endpoint: `${HANDLERS[service]}.${method}`, request })),
  ),
);

const oddCall = fc.record({
  service: fc.oneof(fc.constantFrom("users", "products", "orders", "gateway", "users.", "a", "nosuch"), fc.stringMatching(/^[a-z][a-z0-9.-]{0,20}$/)),
  endpoint: fc.oneof(
    fc.tuple(fc.constantFrom(...Object.values(HANDLERS), "Object", "__proto__", "X"), fc.constantFrom(...ODD_METHODS)).map(([h, m]) => `${h}.${m}`),
    fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}\.[A-Za-z_][A-Za-z0-9_]{0,10}$/),
  ),
  request: fc.oneof(anyJson, knownId.map((id) => ({ id }))),
});

const rpc = fc
  .oneof({ weight: 4, arbitrary: knownCall }, { weight: 1, arbitrary: oddCall })
  .map(({ service, endpoint, request }) => new Obj([["service", service], ["endpoint", endpoint], ["request", request]]));

const VALID: Record<BodyKind, fc.Arbitrary<Obj>> = { createUser, patchUser, createProduct, patchProduct, createOrder, rpc };
const KEYS: Record<BodyKind, readonly string[]> = {
  createUser: ["email", "name"],
  patchUser: ["email", "name"],
  createProduct: ["name", "price", "stock"],
  patchProduct: ["name", "price", "stock"],
  createOrder: ["user_id", "product_id", "amount"],
  rpc: ["service", "endpoint", "request"],
};

type Mutation =
  | { readonly kind: "replace" | "repeat"; readonly key: string; readonly value: unknown }
  | { readonly kind: "remove"; readonly key: string }
  | { readonly kind: "add"; readonly key: string; readonly value: unknown };

function mutation(keys: readonly string[]): fc.Arbitrary<Mutation> {
  const key = fc.constantFrom(...keys);
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant("replace" as const), key, value: wrongValue }) },
    { weight: 5, arbitrary: fc.record({ kind: fc.constant("replace" as const), key, value: oddString }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("remove" as const), key }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("add" as const), key: unknownKey, value: anyJson }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("repeat" as const), key, value: wrongValue }) },
  );
}

function apply(obj: Obj, m: Mutation): Obj {
  switch (m.kind) {
    case "remove":
      return obj.without(m.key);
    case "add":
      return obj.repeat(m.key, m.value);
    case "repeat":
      return obj.repeat(m.key, m.value);
    case "replace":
      return obj.set(m.key, m.value);
  }
}

/** A valid rpc call whose inner request has one field broken: the error must come back as a 4xx from the service. */
const rpcInnerBroken = knownCall.chain(({ service, endpoint, request }) =>
  mutation(request.entries.length > 0 ? request.entries.map(([k]) => k) : ["id"]).map(
    (m) => new Obj([["service", service], ["endpoint", endpoint], ["request", apply(request, m)]]),
  ),
);

function brokenOneField(kind: BodyKind): fc.Arbitrary<Obj> {
  const outer = fc.tuple(VALID[kind], mutation(KEYS[kind])).map(([obj, m]) => apply(obj, m));
  return kind === "rpc" ? fc.oneof(outer, rpcInnerBroken) : outer;
}

/** Bytes that are not UTF-8 (a lone continuation byte, an overlong NUL, a CESU-8 surrogate) inside a string value. */
const BAD_UTF8 = [[0xff], [0xfe], [0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]] as const;

function notUtf8(kind: BodyKind): fc.Arbitrary<Uint8Array> {
  return fc.tuple(VALID[kind], fc.constantFrom(...BAD_UTF8)).map(([obj, bytes]) => {
    const [key] = obj.entries[0] ?? ["name"];
    const text = jsonText(obj.set(key, "\u0001MARK\u0001"));
    const [before, after] = text.split('\\u0001MARK\\u0001') as [string, string];
    return Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]);
  });
}

const NOT_JSON = [
  "{", "}", "[", "{\"a\":}", "nul", "tru", "{\"email\":\"a@example.com\",}", "{'a':1}", "{a:1}", "// c\n{}", "{} {}", "{}x",
  "\ufeff{}", "\u0000", "email=a%40example.com&name=x", "<user><name>x</name></user>", "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--",
  "\"just a string\"", "0", "-", "[1,]", "{\"a\":1}}", "{\"a\" 1}", "{\"\\uZZZZ\":1}", "{\"a\":\"\\x41\"}", "{\"a\":01}",
] as const;

const notJson = fc.oneof(fc.constantFrom(...NOT_JSON), fc.string({ maxLength: 60 }), fc.string({ unit: "binary", maxLength: 30 }));

/** Just over the 1 MiB limit: the gateway must answer 413 without buffering more. */
const overLimit = fc.integer({ min: 1, max: 64 * 1024 }).map((extra) => `{"name":"${"x".repeat(1024 * 1024 + extra)}"}`);

const JSON_TYPES = [
  "application/json; charset=utf-8", "application/json;charset=UTF-8", "APPLICATION/JSON", "application/json; charset=latin1",
  "application/json; charset=utf-16", "application/json ", "application/vnd.api+json", "application/merge-patch+json",
  "application/jsonx", "text/json", "application/json; boundary=x", "application/json, text/plain",
] as const;
const OTHER_TYPES = [
  "text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=b",
  "application/octet-stream", "application/xml", "*/*", "", ";", "json", "application/", "/json", "text/html; charset=\"",
] as const;

export const contentType = fc.oneof(
  SHRINK_TO_FIRST,
  { weight: 14, arbitrary: fc.constant<string | undefined>("application/json") },
  { weight: 3, arbitrary: fc.constantFrom<string | undefined>(...JSON_TYPES) },
  { weight: 2, arbitrary: fc.constantFrom<string | undefined>(...OTHER_TYPES) },
  { weight: 2, arbitrary: fc.constant<string | undefined>(undefined) },
);

/** Bodies for a route that takes `kind`; most are broken in exactly one place. */
export function bodyFor(kind: BodyKind): fc.Arbitrary<BodyPart> {
  const json = (arb: fc.Arbitrary<unknown>) => fc.tuple(arb, contentType).map(([v, contentType]) => ({ body: jsonText(v), contentType }));
  return fc.oneof(
    SHRINK_TO_FIRST,
    { weight: 8, arbitrary: json(VALID[kind]) },
    { weight: 30, arbitrary: json(brokenOneField(kind)) },
    { weight: 4, arbitrary: json(anyJson) },
    { weight: 2, arbitrary: fc.tuple(anyJsonText, contentType).map(([body, contentType]) => ({ body, contentType })) },
    { weight: 3, arbitrary: json(fc.oneof(deepValue, fc.tuple(VALID[kind], depth).map(([obj, d]) => obj.set(obj.entries[0]?.[0] ?? "a", nested(d, "object"))))) },
    { weight: 2, arbitrary: json(fc.oneof(largeArray, fc.constantFrom(new Raw("1e400"), new Raw("-0"), new Raw("123456789012345678901234567890")))) },
    { weight: 6, arbitrary: fc.tuple(notJson, contentType).map(([body, contentType]) => ({ body, contentType })) },
    { weight: 2, arbitrary: fc.tuple(notUtf8(kind), contentType).map(([body, contentType]) => ({ body, contentType })) },
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom<string | undefined>("", undefined), contentType).map(([body, contentType]) => ({ body, contentType })) },
    { weight: 1, arbitrary: fc.nat({ max: 19 }).chain((n) => (n === 0 ? overLimit.map((body) => ({ body, contentType: "application/json" })) : json(VALID[kind]))) },
  );
}

/** A body on a route that takes none (a GET or DELETE with a body): ignored or refused, never a 5xx. */
export const strayBody: fc.Arbitrary<BodyPart> = fc.oneof(
  fc.tuple(anyJson, contentType).map(([v, contentType]) => ({ body: jsonText(v), contentType })),
  fc.tuple(notJson, contentType).map(([body, contentType]) => ({ body, contentType })),
  fc.tuple(deepValue, contentType).map(([v, contentType]) => ({ body: jsonText(v), contentType })),
);
