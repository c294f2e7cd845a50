// The dashboard page: reads /dashboard/api/state every POLL_MS and updates what changed in place,
// so an open service, an endpoint form being filled in or a chosen window survive each reading.
import { endpointForm, h } from "./form.js";

// From this module's own address, so the page works wherever the gateway is mounted.
const STATE_URL = new URL("api/state", import.meta.url);
const RPC_URL = new URL("../rpc", import.meta.url);
const POLL_MS = 1500;
const TOKEN_KEY = "gateway-dashboard-token";

const $ = (id) => document.getElementById(id);

function headers() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { authorization: `Bearer ${token}` } : {};
}

// --- access ------------------------------------------------------------------------------------

function askForToken(why) {
  $("token-why").textContent = why;
  $("token-form").hidden = false;
  setStatus("sign in", "unavailable");
}

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const token = $("token").value.trim().replace(/^Bearer\s+/i, "");
  if (token === "") return;
  sessionStorage.setItem(TOKEN_KEY, token);
  $("token").value = "";
  $("token-form").hidden = true;
  poll();
});

$("sign-out").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  $("sign-out").hidden = true;
  poll();
});

// --- polling -----------------------------------------------------------------------------------

let timer;
let lastState;

async function poll() {
  clearTimeout(timer);
  let response;
  try {
    response = await fetch(STATE_URL, { headers: headers(), cache: "no-store" });
  } catch {
    setStatus("gateway unreachable", "unreachable");
    timer = setTimeout(poll, POLL_MS);
    return;
  }
  if (response.status === 401 || response.status === 403) {
    const error = await response.json().catch(() => ({}));
    // No point asking again with the same token: wait for a new one.
    askForToken(`${response.status}: ${error.detail ?? response.statusText}. This dashboard needs an admin token.`);
    return;
  }
  if (!response.ok) {
    setStatus(`state: ${response.status}`, "unavailable");
    timer = setTimeout(poll, POLL_MS);
    return;
  }
  $("sign-out").hidden = sessionStorage.getItem(TOKEN_KEY) === null;
  lastState = await response.json();
  render(lastState);
  timer = setTimeout(poll, POLL_MS);
}

function setStatus(text, status) {
  const pill = $("status");
  pill.textContent = text;
  pill.dataset.status = status;
}

function render(state) {
  setStatus(state.readiness.status === "ok" ? "ready" : state.readiness.status === "degraded" ? "degraded" : "not ready", state.readiness.status);
  $("updated").textContent = `updated ${new Date(state.at).toLocaleTimeString()}`;
  renderServices(state.services, state);
  renderReadiness(state.readiness);
  renderBreakers(state.services);
  renderRoutes(state.routes);
  renderRecent(state.recent);
}

// --- services ----------------------------------------------------------------------------------

/** name → {element, fingerprint of its endpoints}: kept across readings. */
const cards = new Map();

function renderServices(services, state) {
  const container = $("services");
  if (cards.size === 0) container.replaceChildren();
  const names = new Set(services.map((s) => s.name));
  for (const [name, card] of cards) {
    if (!names.has(name)) {
      card.element.remove();
      cards.delete(name);
    }
  }
  for (const service of services) {
    let card = cards.get(service.name);
    if (card === undefined) {
      card = newCard(service);
      cards.set(service.name, card);
    }
    // Appending an element already in place moves it: the cards follow the state's order.
    container.append(card.element);
    updateCard(card, service, state);
  }
  if (services.length === 0) container.replaceChildren(h("p", { class: "muted" }, "No service is registered."));
}

function newCard(service) {
  const summary = h("summary", {});
  const nodes = h("div", { class: "nodes" });
  const endpoints = h("div", { class: "endpoints" });
  const element = h("details", { class: "service", dataset: { service: service.name } }, summary, h("div", { class: "body" }, nodes, endpoints));
  return { element, summary, nodes, endpoints, fingerprint: undefined };
}

function updateCard(card, service, state) {
  const count = service.nodes.length;
  card.element.dataset.nodes = String(count);
  card.summary.replaceChildren(
    h("span", { class: "name" }, service.name),
    h("span", { class: "pill", dataset: { state: count === 0 ? "down" : "closed" } }, count === 0 ? "no node" : `${count} node${count === 1 ? "" : "s"}`),
    h("span", { class: "muted" }, `${service.endpoints.length} endpoint${service.endpoints.length === 1 ? "" : "s"}`),
    service.breaker ? h("span", { class: "pill", dataset: { state: service.breaker } }, `breaker ${service.breaker}`) : "",
  );
  card.nodes.replaceChildren(
    count === 0
      ? h("p", { class: "muted" }, "No node is registered: its routes answer 503.")
      : h(
          "table",
          {},
          h("thead", {}, h("tr", {}, h("th", {}, "node"), h("th", {}, "address"), h("th", {}, "version"), h("th", {}, "transport"), h("th", {}, "admin"), h("th", { class: "num", title: "since its registration was last stored" }, "heartbeat"))),
          h(
            "tbody",
            {},
            service.nodes.map((node) =>
              h(
                "tr",
                { dataset: { node: node.id } },
                h("td", { class: "mono" }, node.id),
                h("td", { class: "mono" }, node.address),
                h("td", {}, node.version),
                h("td", {}, node.metadata.transport ?? ""),
                h("td", { class: "mono" }, node.metadata.admin ?? ""),
                h("td", { class: "num" }, node.refreshedAt === undefined ? "" : `${Math.max(0, Math.round((state.at - node.refreshedAt) / 1000))} s ago`),
              ),
            ),
          ),
        ),
  );
  // The forms are rebuilt only when the catalog changes, never under a user's typing.
  const fingerprint = JSON.stringify(service.endpoints);
  if (fingerprint !== card.fingerprint) {
    card.fingerprint = fingerprint;
    card.endpoints.replaceChildren(...service.endpoints.map((endpoint) => endpointView(service.name, endpoint)));
  }
}

function ruleText(rule) {
  if (rule === undefined) return "admin only";
  if (typeof rule === "string") return rule;
  if ("role" in rule) return `role ${rule.role}`;
  if ("self" in rule) return `own ${rule.self}`;
  return JSON.stringify(rule);
}

function endpointView(service, endpoint) {
  const meta = endpoint.metadata ?? {};
  const bindings = (meta.http ?? []).map((b) => h("span", { class: "binding" }, `${b.method} ${b.path}${b.when ? `?${b.when.join("&")}` : ""}`));
  const details = h(
    "details",
    { class: "endpoint", dataset: { endpoint: endpoint.name } },
    h("summary", {}, h("span", { class: "name" }, endpoint.name), " ", h("span", { class: "muted" }, meta.summary ?? ""), ...bindings, h("span", { class: "rule" }, ruleText(meta.auth))),
  );
  // Built on first opening: a large catalog costs nothing until someone looks.
  details.addEventListener("toggle", () => {
    if (!details.open || details.dataset.built) return;
    details.dataset.built = "1";
    details.append(
      meta.description ? h("p", {}, meta.description) : "",
      endpointForm(endpoint, (request) => callRpc(service, endpoint.name, request)),
    );
  });
  return details;
}

async function callRpc(service, endpoint, request) {
  const response = await fetch(RPC_URL, {
    method: "POST",
    headers: { ...headers(), "content-type": "application/json" },
    body: JSON.stringify({ service, endpoint, request }),
  });
  const text = await response.text();
  let body = text;
  try {
    body = text === "" ? "" : JSON.parse(text);
  } catch {
    // Shown as it came.
  }
  return { status: response.status, requestId: response.headers.get("x-request-id"), body };
}

// --- readiness and breakers --------------------------------------------------------------------

function yesNo(ok, yes, no) {
  return h("span", { class: "pill", dataset: { status: ok ? "ok" : "unavailable" } }, ok ? yes : no);
}

function renderReadiness(readiness) {
  $("readiness").replaceChildren(
    h("p", {}, "Registry ", yesNo(readiness.registryReachable, "reachable", "unreachable")),
    readiness.expected.length === 0
      ? h("p", { class: "muted" }, "No service is expected (GATEWAY_EXPECT).")
      : h(
          "table",
          {},
          h("thead", {}, h("tr", {}, h("th", {}, "expected"), h("th", { class: "num" }, "nodes"), h("th", {}, "catalog"))),
          h(
            "tbody",
            {},
            readiness.expected.map((s) =>
              h("tr", { dataset: { expected: s.name } }, h("td", {}, s.name), h("td", { class: "num" }, yesNo(s.nodes > 0, String(s.nodes), "0")), h("td", {}, yesNo(s.catalog, "read", "not read"))),
            ),
          ),
        ),
    readiness.problems.length === 0 ? "" : h("div", {}, h("p", {}, "Catalog problems"), h("ul", { class: "problems" }, readiness.problems.map((p) => h("li", {}, p)))),
  );
}

function renderBreakers(services) {
  $("breakers").tBodies[0].replaceChildren(
    ...services.map((s) =>
      h("tr", { dataset: { breaker: s.name } }, h("td", {}, s.name), h("td", {}, s.breaker ? h("span", { class: "pill", dataset: { state: s.breaker } }, s.breaker) : h("span", { class: "muted" }, "not called yet"))),
    ),
  );
}

// --- traffic -----------------------------------------------------------------------------------

$("window").addEventListener("change", () => lastState && renderRoutes(lastState.routes));

function ms(value) {
  if (value === undefined || value === null) return "–";
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : Math.round(value).toString();
}

function percent(share, requests) {
  return requests === 0 ? "–" : `${(share * 100).toFixed(share > 0 && share < 0.01 ? 2 : 1)} %`;
}

function sparkline(series) {
  const max = Math.max(1, ...series);
  const step = 120 / (series.length - 1);
  const d = series.map((v, i) => `${i === 0 ? "M" : "L"}${(i * step).toFixed(1)},${(21 - (v / max) * 20).toFixed(1)}`).join("");
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("viewBox", "0 0 120 22");
  svg.setAttribute("preserveAspectRatio", "none");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", d);
  svg.append(path);
  const title = document.createElementNS("http://www.w3.org/2000/svg", "title");
  title.textContent = `requests per 10 s: ${series.join(", ")}`;
  svg.append(title);
  return svg;
}

function renderRoutes(routes) {
  const key = $("window").value;
  const rows = routes.map((r) => {
    const f = r[key];
    return h(
      "tr",
      { dataset: { route: `${r.method} ${r.route}` } },
      h("td", {}, r.method),
      h("td", { class: "mono" }, r.route),
      h("td", { class: "num" }, f.rate.toFixed(f.rate < 10 ? 2 : 1)),
      h("td", { class: "num" }, percent(f.errorRate, f.requests)),
      h("td", { class: "num" }, percent(f.clientErrorRate, f.requests)),
      h("td", { class: "num" }, ms(f.p50)),
      h("td", { class: "num" }, ms(f.p99)),
      h("td", {}, sparkline(r.series)),
    );
  });
  $("routes").tBodies[0].replaceChildren(...(rows.length > 0 ? rows : [h("tr", {}, h("td", { colspan: 8, class: "muted" }, "No request in the last five minutes."))]));
}

function renderRecent(recent) {
  const rows = recent.map((r) =>
    h(
      "tr",
      { dataset: { requestId: r.requestId } },
      h("td", {}, new Date(r.at).toLocaleTimeString()),
      h("td", {}, r.method),
      h("td", { class: "mono" }, r.route),
      h("td", { class: `num status-${String(r.status)[0]}` }, r.status),
      h("td", { class: "num" }, ms(r.durationMs)),
      h("td", { class: "mono" }, r.requestId),
      h("td", { class: "mono", title: r.traceId ?? "" }, r.traceId ? `${r.traceId.slice(0, 12)}…` : ""),
    ),
  );
  $("recent").tBodies[0].replaceChildren(...(rows.length > 0 ? rows : [h("tr", {}, h("td", { colspan: 7, class: "muted" }, "No request yet."))]));
}

poll();
