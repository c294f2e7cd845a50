/**
 * The dashboard at `/dashboard`: the services, their nodes and endpoints (each with a form to try
 * it through `POST /rpc`), each downstream's circuit breaker, readiness, and the traffic of the
 * last minutes per route with the last requests, refreshed every second and a half.
 *
 * Access. The page and its script and style hold no data and are public: a browser cannot add a
 * bearer header to a page load. Every data endpoint (`/dashboard/api/...`) is for admins while
 * auth is on. The page asks for an admin token when one answers 401 or 403, keeps it in
 * sessionStorage (the tab's own, gone when the tab closes, never sent as a cookie, so no other
 * site can make a browser use it) and sends it as `Authorization: Bearer` on its fetches, `/rpc`
 * included. With auth off (`npm start`), nothing is asked.
 *
 * The files are the project's own (plain HTML, CSS and JavaScript modules in gateway/assets),
 * read at start and served from memory under a Content-Security-Policy that allows only this
 * origin: nothing is loaded from elsewhere, and no data is ever written into the page as HTML.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Metrics, Registry } from "@gw/micro";
import { ADMIN_ROLE } from "@gw/proto";
import type { App } from "../context.js";
import type { LiveCatalog } from "../catalog/live-catalog.js";
import { routeLabel } from "../catalog/serve.js";
import { requestTraceId } from "../observability.js";
import { type Asset, makeAsset, send } from "../openapi/plugin.js";
import type { Readiness } from "../routes/health.js";
import { type DashboardState, dashboardState } from "./state.js";
import { TrafficWindow } from "./traffic.js";

export const DASHBOARD_PATH = "/dashboard";
export const STATE_PATH = `${DASHBOARD_PATH}/api/state`;

export interface DashboardDeps {
  readonly catalog: LiveCatalog;
  readonly registry: Registry;
  readonly readiness: Readiness;
  /** The program's metrics, where the client's breakers record their state. */
  readonly metrics: Metrics | undefined;
  /** The traffic window to fill and show; a new one by default. */
  readonly traffic?: TrafficWindow;
}

const ASSETS_DIR = fileURLToPath(new URL("../../assets/dashboard/", import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  "dashboard.js": "text/javascript; charset=utf-8",
  "form.js": "text/javascript; charset=utf-8",
  "dashboard.css": "text/css; charset=utf-8",
};

const HTML_TYPE = "text/html; charset=utf-8";
const JSON_TYPE = "application/json; charset=utf-8";
const REVALIDATE = "no-cache";

/** Only this origin; `data:` for the browser's own images of form controls. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Several open dashboards share one reading of the registry a second. */
const STATE_TTL_MS = 1_000;

export function dashboard(app: App, deps: DashboardDeps): void {
  const traffic = deps.traffic ?? new TrafficWindow();
  // Read now: a gateway installed without its files fails at start, not when someone looks.
  const files = new Map<string, Asset>(Object.entries(TYPES).map(([file, type]) => [file, makeAsset(readFileSync(ASSETS_DIR + file), type, undefined)]));
  const template = readFileSync(`${ASSETS_DIR}index.html`, "utf8");
  // Relative links, so the page also works behind a proxy that mounts the gateway under a prefix;
  // `/dashboard` and `/dashboard/` resolve them from different folders.
  const pages = {
    bare: makeAsset(Buffer.from(template.replaceAll("{{base}}", "dashboard/")), HTML_TYPE, undefined),
    slash: makeAsset(Buffer.from(template.replaceAll("{{base}}", "")), HTML_TYPE, undefined),
  };
  const open = { config: { auth: "public" } } as const;
  const admin = { config: { auth: { role: ADMIN_ROLE } } } as const;

  app.addHook("onResponse", (request, reply, done) => {
    // The dashboard's own polling would otherwise fill the window it shows.
    const url = request.routeOptions.url;
    if (url !== DASHBOARD_PATH && !url?.startsWith(`${DASHBOARD_PATH}/`)) {
      traffic.record(request.method, routeLabel(request), reply.statusCode, reply.elapsedTime, request.id, requestTraceId(request));
    }
    done();
  });

  app.get(DASHBOARD_PATH, open, async (request, reply) => send(request, secured(reply), pages.bare, REVALIDATE));
  app.get(`${DASHBOARD_PATH}/`, open, async (request, reply) => send(request, secured(reply), pages.slash, REVALIDATE));
  for (const [file, asset] of files) {
    app.get(`${DASHBOARD_PATH}/${file}`, open, async (request, reply) => send(request, secured(reply), asset, REVALIDATE));
  }

  let last: { at: number; state: Promise<DashboardState> } | undefined;
  const sources = { ...deps, traffic };
  app.get(STATE_PATH, admin, async (_request, reply) => {
    const now = Date.now();
    if (last === undefined || now - last.at >= STATE_TTL_MS) {
      const entry = { at: now, state: dashboardState(sources) };
      // A failed reading is not kept for the next caller.
      entry.state.catch(() => {
        if (last === entry) last = undefined;
      });
      last = entry;
    }
    const state = await last.state;
    return reply.header("cache-control", "no-store").type(JSON_TYPE).send(state);
  });
}

function secured<R extends { header(name: string, value: string): R }>(reply: R): R {
  return reply.header("content-security-policy", CSP).header("referrer-policy", "no-referrer").header("x-frame-options", "DENY");
}
