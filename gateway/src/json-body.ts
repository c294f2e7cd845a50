/**
 * JSON request bodies: Fastify's own parser (secure-json-parse, which refuses prototype
 * poisoning) behind a nesting limit checked on the raw bytes first. V8 parses any depth, but the
 * value then travels through code that recurses (the client's JSON.stringify overflowed its stack
 * at 5,000 levels), so a body nested deeper than MAX_JSON_DEPTH is a 400 before it is parsed.
 * The RPC server's codec applies the same limit to callers that do not come through here.
 */
import { MAX_JSON_DEPTH, badRequest, nestsDeeperThan } from "@gw/micro";
import type { App } from "./context.js";
import { GATEWAY_ID } from "./errors.js";

export function jsonBodies(app: App): void {
  // Fastify also parses text/plain by default, into a string: a JSON body sent as text/plain then
  // failed validation ("body: must be an object") instead of being refused as a wrong type (415).
  app.removeContentTypeParser("text/plain");
  const parse = app.getDefaultJsonParser("error", "error");
  // Bytes, not a string: the depth check reads bytes, and decoding once here costs what
  // Fastify's own string mode would.
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
    if (nestsDeeperThan(body as Buffer, MAX_JSON_DEPTH)) {
      done(badRequest(GATEWAY_ID, `body: nests deeper than ${MAX_JSON_DEPTH} levels`, { reason: "nesting_too_deep" }), undefined);
      return;
    }
    parse(request, (body as Buffer).toString("utf8"), done);
  });
}
