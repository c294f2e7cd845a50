/**
 * `/openapi.json` and `/docs` served by a real Fastify app, with the gateway's real auth plugin
 * on: both are public, the page's files come from the installed swagger-ui-dist with their own
 * content types, and any other path under /docs is a 404 in the error shape.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { connect } from "node:net";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { after, before, describe, test } from "node:test";
import Fastify, { type LightMyRequestResponse } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { Route } from "../catalog/route.js";
import type { App } from "../context.js";
import { auth, secretAuth } from "../auth/index.js";
import { openApiDocument } from "./document.js";
import { apiDocs } from "./plugin.js";
import { contractRoutes } from "./testing.js";

const require = createRequire(import.meta.url);
const PACKAGE_DIR = dirname(require.resolve("swagger-ui-dist/package.json"));
const VERSION = (require("swagger-ui-dist/package.json") as { version: string }).version;
const OPTIONS = { title: "API <gateway>", version: "1.2.3", auth: true } as const;

let app: App;
let routes: readonly Route[] = contractRoutes();
before(async () => {
  app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  app.register(auth(secretAuth("test-secret-of-the-docs-suite-at-least-32-bytes")));
  // A route without a public config: proves the auth plugin is on, so the docs' 200s mean "public".
  app.get("/private", async () => ({ secret: true }));
  apiDocs(app, { ...OPTIONS, routes: () => routes });
  await app.ready();
});
after(async () => {
  await app.close();
});

function get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({ method: "GET", url, headers });
}

function assertNotFound(status: number, contentType: unknown, body: string, path: string): void {
  assert.equal(status, 404, `${path}: ${body}`);
  assert.match(String(contentType), /^application\/json/);
  assert.deepEqual(JSON.parse(body), { id: "gateway", code: 404, detail: `no route for GET ${path}`, status: "Not Found", reason: "route_not_found" });
}

/**
 * A request over a real socket with the path exactly as written: inject() and fetch() resolve
 * `..` segments (even `%2e%2e`) before sending, and a hostile client does not.
 */
async function rawGet(port: number, path: string): Promise<{ status: number; contentType: string; body: string }> {
  const socket = connect(port, "127.0.0.1");
  socket.end(`GET ${path} HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n`);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  const [head = "", body = ""] = text.split("\r\n\r\n");
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  const contentType = /^content-type: (.*)$/im.exec(head)?.[1] ?? "";
  return { status, contentType, body };
}

/** The `href` and `src` links of a page, resolved as a browser would from `from`. */
function linksOf(html: string, from: string): string[] {
  return [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => new URL(m[1]!, `http://gateway${from}`).pathname);
}

describe("API docs", () => {
  test("docs - the auth plugin is on: a route without the public config needs a token", async () => {
    assert.equal((await get("/private")).statusCode, 401);
  });

  test("docs - /openapi.json is the document of the current routes, public, revalidated by ETag", async () => {
    const res = await get("/openapi.json");
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers["content-type"], "application/json; charset=utf-8");
    assert.equal(res.headers["cache-control"], "no-cache");
    assert.equal(res.body, JSON.stringify(openApiDocument(routes, OPTIONS)));
    const etag = String(res.headers["etag"]);
    assert.match(etag, /^"[\w-]+"$/);

    const again = await get("/openapi.json", { "if-none-match": etag });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, "");
    assert.equal((await get("/openapi.json", { "if-none-match": `"other", W/${etag}` })).statusCode, 304);
    assert.equal((await get("/openapi.json", { "if-none-match": '"other"' })).statusCode, 200);
  });

  test("docs - /openapi.json follows a new routes array, and reuses the document while the array is the same", async () => {
    const before = routes;
    try {
      const first = await get("/openapi.json");
      routes = before.filter((route) => route.service !== "orders");
      const changed = await get("/openapi.json");
      assert.notEqual(changed.headers["etag"], first.headers["etag"]);
      assert.deepEqual(Object.keys(changed.json<{ paths: object }>().paths), ["/products", "/products/{id}", "/users", "/users/{id}"]);

      // The same array, changed in place, is taken as unchanged: the cache is keyed on identity.
      (routes as Route[]).push(...before.filter((route) => route.service === "orders"));
      const same = await get("/openapi.json");
      assert.equal(same.body, changed.body);
    } finally {
      routes = before;
    }
    assert.match((await get("/openapi.json")).body, /"\/orders"/);
  });

  for (const from of ["/docs", "/docs/"]) {
    test(`docs - ${from} is a public HTML page whose every link is served with its content type`, async () => {
      const res = await get(from);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers["content-type"], "text/html; charset=utf-8");
      assert.equal(res.headers["cache-control"], "no-cache");
      assert.match(res.body, /<title>API &#60;gateway&#62;: API reference<\/title>/, "the title is escaped");
      assert.doesNotMatch(res.body, /https?:/, "nothing is loaded from elsewhere");
      const spec = /data-url="([^"]+)"/.exec(res.body)?.[1];
      assert.equal(new URL(spec!, `http://gateway${from}`).pathname, "/openapi.json");

      const links = linksOf(res.body, from);
      assert.deepEqual(
        links.sort(),
        [
          "/docs/init.js",
          `/docs/${VERSION}/favicon-16x16.png`,
          `/docs/${VERSION}/favicon-32x32.png`,
          `/docs/${VERSION}/index.css`,
          `/docs/${VERSION}/swagger-ui-bundle.js`,
          `/docs/${VERSION}/swagger-ui.css`,
        ].sort(),
      );
      const types: Record<string, string> = { js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8", png: "image/png" };
      for (const link of links) {
        const asset = await get(link);
        assert.equal(asset.statusCode, 200, link);
        assert.equal(asset.headers["content-type"], types[link.slice(link.lastIndexOf(".") + 1)], link);
        assert.equal(asset.headers["x-content-type-options"], "nosniff", link);
      }
    });
  }

  test("docs - the bundle is the package's own file, immutable under its versioned URL, gzipped when asked", async () => {
    const file = await readFile(join(PACKAGE_DIR, "swagger-ui-bundle.js"));
    const url = `/docs/${VERSION}/swagger-ui-bundle.js`;
    const plain = await get(url);
    assert.equal(plain.statusCode, 200);
    assert.equal(plain.headers["cache-control"], "public, max-age=31536000, immutable");
    assert.equal(plain.headers["content-encoding"], undefined);
    assert.ok(plain.rawPayload.equals(file), "identical to the installed file");

    const gzipped = await get(url, { "accept-encoding": "br, gzip;q=0.8" });
    assert.equal(gzipped.headers["content-encoding"], "gzip");
    assert.equal(gzipped.headers["vary"], "accept-encoding");
    assert.ok(gzipped.rawPayload.length < file.length / 2, `gzip: ${gzipped.rawPayload.length} of ${file.length} bytes`);
    assert.ok(gunzipSync(gzipped.rawPayload).equals(file));
    assert.equal((await get(url, { "accept-encoding": "gzip;q=0" })).headers["content-encoding"], undefined);
    assert.equal((await get(url, { "if-none-match": String(plain.headers["etag"]) })).statusCode, 304);
  });

  test("docs - the page's script points Swagger UI at the element's URL, with the online validator off", async () => {
    const res = await get("/docs/init.js");
    assert.equal(res.headers["content-type"], "text/javascript; charset=utf-8");
    assert.equal(res.headers["cache-control"], "no-cache");
    assert.match(res.body, /SwaggerUIBundle\(/);
    assert.match(res.body, /url: root\.getAttribute\("data-url"\)/);
    assert.match(res.body, /validatorUrl: null/);
  });

  test("docs - any other path under /docs is a 404 in the error shape", async () => {
    for (const url of [
      "/docs/nope.js",
      `/docs/${VERSION}/nope.js`,
      `/docs/${VERSION}/package.json`,
      `/docs/${VERSION}/swagger-ui-bundle.js.map`,
      "/docs/0.0.1/swagger-ui.css",
      "/docs/swagger-ui.css",
      `/docs/${VERSION}/`,
      `/docs/${VERSION}`,
      `/docs/${VERSION}/swagger-ui.css/x`,
    ]) {
      const res = await get(url);
      assertNotFound(res.statusCode, res.headers["content-type"], res.body, url);
    }
  });

  test("docs - no path under /docs reaches the file system, however it climbs", async () => {
    const address = await app.listen({ port: 0, host: "127.0.0.1" });
    const port = Number(new URL(address).port);
    for (const path of [
      `/docs/${VERSION}/../package.json`,
      `/docs/${VERSION}/../../../package.json`,
      `/docs/${VERSION}/%2e%2e/package.json`,
      `/docs/${VERSION}/..%2fpackage.json`,
      `/docs/${VERSION}/..%2f..%2f..%2f..%2fetc%2fpasswd`,
      "/docs/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
      `/docs/${VERSION}/%2fetc%2fpasswd`,
      `/docs/${VERSION}/swagger-ui.css%00.js`,
    ]) {
      const res = await rawGet(port, path);
      assertNotFound(res.status, res.contentType, res.body, path);
    }
  });
});
