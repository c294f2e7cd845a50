/**
 * The request generators the properties run over: every contract route with any method, id,
 * query, body and headers; paths that are no route; and framing broken below HTTP. A second
 * generator makes only writes, for the property that a refused write changes nothing.
 */
import { METHODS } from "node:http";
import fc from "fast-check";
import { type BodyKind, type BodyPart, bodyFor, strayBody } from "./bodies.js";
import { framingRequest } from "./framing.js";
import { extraHeaders, idempotencyHeaders, requestIdHeaders } from "./headers.js";
import type { FuzzRequest, Header } from "./request.js";
import { SHRINK_TO_FIRST } from "./values.js";
import { ROUTES, type Route, allowedMethods, idSegment, oddPath, queryString } from "./targets.js";
import { type AuthProfile, authorization } from "./tokens.js";

/** The body a route's write method takes. */
const BODY_KIND: Readonly<Record<string, BodyKind>> = {
  "/users": "createUser",
  "/users/{id}": "patchUser",
  "/products": "createProduct",
  "/products/{id}": "patchProduct",
  "/orders": "createOrder",
  "/rpc": "rpc",
};

/** Methods Node parses but no route of the contract has, WebDAV's among them; CONNECT is in framing. */
const OTHER_METHODS = METHODS.filter((m) => m !== "CONNECT");

function methodFor(route: Route): fc.Arbitrary<string> {
  return fc.oneof(
    SHRINK_TO_FIRST,
    { weight: 12, arbitrary: fc.constantFrom(...route.methods) },
    { weight: 2, arbitrary: fc.constantFrom("HEAD", "OPTIONS", "PUT", "TRACE", "PROPFIND", "GET", "POST", "PATCH", "DELETE") },
    { weight: 1, arbitrary: fc.constantFrom(...OTHER_METHODS) },
  );
}

interface Parts {
  readonly method: string;
  readonly target: string;
  readonly body: BodyPart;
  readonly auth: string | undefined;
  readonly headers: readonly Header[];
}

function assemble(label: string, parts: Parts, allowed?: readonly string[]): FuzzRequest {
  const headers: Header[] = [];
  if (parts.body.contentType !== undefined) headers.push(["content-type", parts.body.contentType]);
  if (parts.auth !== undefined) headers.push(["authorization", parts.auth]);
  headers.push(...parts.headers);
  return { label, method: parts.method, target: parts.target, headers, body: parts.body.body, allowed };
}

const NO_BODY: BodyPart = {};
/** `arb` once in `oneIn` cases, else `fallback`; shrinking goes to the fallback. */
const sometimes = <T>(arb: fc.Arbitrary<T>, fallback: T, oneIn: number) =>
  fc.tuple(fc.nat({ max: oneIn - 1 }), arb).map(([n, value]) => (n === oneIn - 1 ? value : fallback));

/** One route with every part generated; `methods` narrows the method (the write-only generator). */
function routeRequest(route: Route, profile: AuthProfile, methods?: fc.Arbitrary<string>): fc.Arbitrary<FuzzRequest> {
  const kind = BODY_KIND[route.template];
  return fc
    .record({
      method: methods ?? methodFor(route),
      id: idSegment,
      query: queryString,
      body: kind === undefined ? fc.constant(NO_BODY) : bodyFor(kind),
      stray: sometimes(strayBody, NO_BODY, 10),
      auth: authorization(profile),
      requestId: requestIdHeaders,
      idempotency: route.template === "/orders" ? idempotencyHeaders : sometimes(idempotencyHeaders, [], 20),
      extra: extraHeaders,
    })
    .map((p) => {
      const takesBody = kind !== undefined && ["POST", "PATCH", "PUT"].includes(p.method);
      const body = takesBody ? p.body : p.stray;
      const path = route.template.replace("{id}", p.id);
      // An empty id makes `/users/`, which is not the route's path; the method check needs the route's shape.
      const shaped = !route.template.includes("{id}") || p.id !== "";
      const headers = [...p.requestId, ...p.idempotency, ...p.extra];
      return assemble(`${p.method} ${route.template}`, { method: p.method, target: path + p.query, body, auth: p.auth, headers }, shaped ? allowedMethods(route) : undefined);
    });
}

function oddPathRequest(profile: AuthProfile): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: fc.oneof({ weight: 4, arbitrary: fc.constantFrom("GET", "POST", "PATCH", "DELETE") }, { weight: 1, arbitrary: fc.constantFrom(...OTHER_METHODS) }),
      path: oddPath,
      query: sometimes(queryString, "", 4),
      body: sometimes(bodyFor("createUser"), NO_BODY, 4),
      auth: authorization(profile),
      requestId: requestIdHeaders,
    })
    .map((p) => assemble("odd path", { method: p.method, target: p.path + p.query, body: p.body, auth: p.auth, headers: p.requestId }));
}

/** Everything: mostly the contract's routes, then odd paths and broken framing. */
export function anyRequest(profile: AuthProfile): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    { weight: 80, arbitrary: fc.oneof(...ROUTES.map((route) => routeRequest(route, profile))) },
    { weight: 12, arbitrary: oddPathRequest(profile) },
    { weight: 8, arbitrary: framingRequest },
  );
}

/** Writes only: each route's write methods, plus PUT, which no route has. */
export function writeRequest(profile: AuthProfile): fc.Arbitrary<FuzzRequest> {
  const writes = ROUTES.filter((r) => r.methods.some((m) => m !== "GET"));
  return fc.oneof(...writes.map((route) => routeRequest(route, profile, fc.constantFrom(...route.methods.filter((m) => m !== "GET"), "PUT"))));
}
