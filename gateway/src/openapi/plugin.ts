/**
 * `GET /openapi.json`, the catalog's OpenAPI document, and `GET /docs`, an interactive reference
 * of it (Swagger UI). Both are public. The reference's scripts and styles are the files of the
 * `swagger-ui-dist` package itself, served by the gateway: nothing is loaded from elsewhere, so
 * the page works where the gateway's users have no internet, and nothing is sent anywhere
 * (Swagger UI's online validator is turned off).
 *
 * Only a fixed list of the package's files is served, looked up by name, so no request path ever
 * reaches the file system. Their URLs carry the package's version, which makes them immutable:
 * an upgrade changes the URL rather than serving stale code from a browser's cache.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gzip } from "node:zlib";
import { promisify } from "node:util";
import type { FastifyReply, FastifyRequest } from "fastify";
import { notFound } from "@gw/micro";
import type { App } from "../context.js";
import type { Route } from "../catalog/route.js";
import { GATEWAY_ID } from "../errors.js";
import { type OpenApiOptions, openApiDocument } from "./document.js";

export interface ApiDocsOptions extends OpenApiOptions {
  /**
   * The routes to document, read on each request for `/openapi.json`. The document is rebuilt
   * only when this returns a different array: the route table is a new array after every
   * change of the registry, and the same one until then.
   */
  readonly routes: () => readonly Route[];
}

export const OPENAPI_PATH = "/openapi.json";
export const DOCS_PATH = "/docs";

const JSON_TYPE = "application/json; charset=utf-8";
const HTML_TYPE = "text/html; charset=utf-8";
const JS_TYPE = "text/javascript; charset=utf-8";
const CSS_TYPE = "text/css; charset=utf-8";

/** The package's files the page uses, with their content types. */
const ASSETS: Readonly<Record<string, string>> = {
  "swagger-ui-bundle.js": JS_TYPE,
  "swagger-ui.css": CSS_TYPE,
  "index.css": CSS_TYPE,
  "favicon-32x32.png": "image/png",
  "favicon-16x16.png": "image/png",
};

/** Worth compressing: the bundle is 1.7 MB, about a quarter of that in gzip. */
const COMPRESSIBLE = new Set([JS_TYPE, CSS_TYPE]);

/** Revalidated on every use: the document follows the registry, the page and its script the gateway. */
const REVALIDATE = "no-cache";
const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * Starts Swagger UI on the element that names the document. A file rather than an inline script,
 * so a Content-Security-Policy without 'unsafe-inline' can still allow the page.
 */
const INIT_SCRIPT = `"use strict";
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-url"),
    domNode: root,
    deepLinking: true,
    // The default sends the document to an online validator: nothing leaves the user's network.
    validatorUrl: null
  });
});
`;

/** A file served from memory, with its entity tag (the dashboard serves its files the same way). */
export interface Asset {
  readonly type: string;
  readonly body: Buffer;
  readonly gzipped: Buffer | undefined;
  readonly etag: string;
}

const gzipAsync = promisify(gzip);

/** Registers `GET /openapi.json` and `GET /docs` (with `/docs/...` for its files) on `app`. */
export function apiDocs(app: App, options: ApiDocsOptions): void {
  // Resolved now, so a gateway installed without the package fails at start, not on first use.
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve("swagger-ui-dist/package.json");
  const packageDir = dirname(packageJson);
  const version = (require(packageJson) as { version: string }).version;
  const assets = new Map<string, Promise<Asset>>();
  const asset = (file: string, type: string): Promise<Asset> => {
    let found = assets.get(file);
    if (found === undefined) {
      found = loadAsset(join(packageDir, file), type);
      // A failed read is not remembered: the next request tries again.
      found.catch(() => assets.delete(file));
      assets.set(file, found);
    }
    return found;
  };
  const init = makeAsset(Buffer.from(INIT_SCRIPT), JS_TYPE, undefined);
  const documentOf = documentCache(options);
  const config = { auth: "public" } as const;

  app.get(OPENAPI_PATH, { config }, async (request, reply) => {
    const { body, etag } = documentOf(options.routes());
    return send(request, reply, { type: JSON_TYPE, body, gzipped: undefined, etag }, REVALIDATE);
  });

  // Relative links, so the page also works behind a proxy that mounts the gateway under a prefix;
  // `/docs` and `/docs/` resolve them from different folders.
  const spec = OPENAPI_PATH.slice(1);
  const pages = {
    bare: makeAsset(Buffer.from(pageHtml(options.title, `docs/${version}/`, "docs/init.js", spec)), HTML_TYPE, undefined),
    slash: makeAsset(Buffer.from(pageHtml(options.title, `${version}/`, "init.js", `../${spec}`)), HTML_TYPE, undefined),
  };

  app.get(DOCS_PATH, { config }, async (request, reply) => send(request, reply, pages.bare, REVALIDATE));

  app.get(`${DOCS_PATH}/*`, { config }, async (request, reply) => {
    const rest = (request.params as { "*": string })["*"];
    if (rest === "") return send(request, reply, pages.slash, REVALIDATE);
    if (rest === "init.js") return send(request, reply, init, REVALIDATE);
    const slash = rest.indexOf("/");
    const file = rest.slice(slash + 1);
    if (slash > 0 && rest.slice(0, slash) === version && Object.hasOwn(ASSETS, file)) {
      return send(request, reply, await asset(file, ASSETS[file]!), IMMUTABLE);
    }
    const path = request.url.split("?")[0] ?? DOCS_PATH;
    return reply.code(404).send(notFound(GATEWAY_ID, `no route for ${request.method} ${path}`, { reason: "route_not_found" }).toJSON());
  });
}

/** The document and its entity tag for the routes array last seen; rebuilt when the array changes. */
function documentCache(options: ApiDocsOptions): (routes: readonly Route[]) => { readonly body: Buffer; readonly etag: string } {
  let last: { readonly routes: readonly Route[]; readonly body: Buffer; readonly etag: string } | undefined;
  return (routes) => {
    if (last?.routes !== routes) {
      const body = Buffer.from(JSON.stringify(openApiDocument(routes, options)));
      last = { routes, body, etag: etagOf(body) };
    }
    return last;
  };
}

async function loadAsset(path: string, type: string): Promise<Asset> {
  const body = await readFile(path);
  return makeAsset(body, type, COMPRESSIBLE.has(type) ? await gzipAsync(body, { level: 9 }) : undefined);
}

export function makeAsset(body: Buffer, type: string, gzipped: Buffer | undefined): Asset {
  return { type, body, gzipped, etag: etagOf(body) };
}

function etagOf(body: Buffer): string {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
}

/** Sends `asset`, or 304 when the client holds it already. */
export function send(request: FastifyRequest, reply: FastifyReply, asset: Asset, cacheControl: string): FastifyReply {
  void reply.header("cache-control", cacheControl).header("etag", asset.etag).header("x-content-type-options", "nosniff");
  if (asset.gzipped !== undefined) void reply.header("vary", "accept-encoding");
  if (matches(request.headers["if-none-match"], asset.etag)) return reply.code(304).send();
  void reply.type(asset.type);
  if (asset.gzipped !== undefined && acceptsGzip(request.headers["accept-encoding"])) {
    return reply.header("content-encoding", "gzip").send(asset.gzipped);
  }
  return reply.send(asset.body);
}

/** RFC 9110 If-None-Match: `*`, or a list of tags compared weakly (a `W/` prefix is ignored). */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(",").some((tag) => {
    const t = tag.trim();
    return t === "*" || (t.startsWith("W/") ? t.slice(2) : t) === etag;
  });
}

/** gzip listed without `q=0`. */
function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  return header.split(",").some((part) => {
    const [coding, ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    if (coding !== "gzip" && coding !== "x-gzip") return false;
    const q = params.find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function pageHtml(title: string, assets: string, init: string, spec: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}: API reference</title>
<link rel="stylesheet" href="${assets}swagger-ui.css">
<link rel="stylesheet" href="${assets}index.css">
<link rel="icon" type="image/png" href="${assets}favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="${assets}favicon-16x16.png" sizes="16x16">
</head>
<body>
<div id="swagger-ui" data-url="${escapeHtml(spec)}"></div>
<script src="${assets}swagger-ui-bundle.js" charset="utf-8"></script>
<script src="${init}" charset="utf-8"></script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
