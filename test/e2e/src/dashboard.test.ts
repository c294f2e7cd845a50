/**
 * The dashboard in a real browser (headless Chromium through playwright-core) against the real
 * programs: it lists the services, calls an endpoint from the form built from its schema, shows
 * the breaker, the traffic and the last requests, and follows the registry without a reload when
 * a node stops. With AUTH=on (a second gateway on the same registry) its data is for admins
 * only, and the page asks for a token.
 *
 * Chromium is /usr/bin/chromium (CHROMIUM_PATH elsewhere); .ci/run installs it. Without it the
 * suite is skipped, and fails with CI=true.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type BrowserContext, type Page, chromium } from "playwright-core";
import { gatewayExpect } from "../../../scripts/programs.mjs";
import { ROOT, System, freePort } from "./harness.js";
import { type Reply, send } from "./http.js";
import { type Run, runProgram } from "./launch.js";
import { mintToken } from "./tokens.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Set (to anything): the test writes docs/dashboard.png, the README's picture. */
const SCREENSHOT = process.env.DASHBOARD_SCREENSHOT;
/** How long the page may take to show a change: two readings at 1.5 s, and a slow shared machine. */
const SHOWN_WITHIN_MS = 15_000;

const JWT_SECRET = "dashboard-suite-jwt-secret-at-least-32-bytes";
const CALL_SECRET = "dashboard-suite-call-secret-at-least-32-bytes";

/** Polls `read` every 100 ms until `holds`, for at most 60 s; the last reading. */
async function poll(read: () => Promise<Reply | undefined>, holds: (reply: Reply | undefined) => boolean): Promise<Reply | undefined> {
  const deadline = Date.now() + 60_000;
  let reply = await read();
  while (!holds(reply) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    reply = await read();
  }
  return reply;
}

/** A browser with a user-data folder of its own, removed on close. */
async function openBrowser(): Promise<{ context: BrowserContext; page: Page; errors: string[]; close(): Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), "gw-e2e-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(SHOWN_WITHIN_MS);
  // Script errors and refused loads (a CSP violation is a console error) fail the test at the end.
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  return {
    context,
    page,
    errors,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

const chromiumMissing = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;

if (chromiumMissing && process.env.CI === "true") {
  test("dashboard - Chromium is required on CI", () => {
    assert.fail(`${chromiumMissing}; it is required when CI=true`);
  });
} else {
  // One system, as `npm start` runs it (auth off), and beside it a second gateway with AUTH=on on
  // the same registry: the dashboard's access is the gateway's business, and a second system
  // would cost another three databases' start on a machine the tests share.
  describe("dashboard - in a browser", { skip: chromiumMissing ?? false }, () => {
    let system: System;
    let secured: Run;
    let securedUrl: string;
    let browser: Awaited<ReturnType<typeof openBrowser>>;
    let admin: string, customer: string;

    before(async () => {
      system = await System.start();
      const port = await freePort();
      securedUrl = `http://127.0.0.1:${port}`;
      secured = runProgram("gateway", {
        MICRO_REGISTRY: "local",
        MICRO_REGISTRY_ADDRESS: join(system.dir, "registry"),
        PORT: String(port),
        AUTH: "on",
        AUTH_JWT_SECRET: JWT_SECRET,
        MICRO_AUTH_SECRET: CALL_SECRET,
        GATEWAY_EXPECT: gatewayExpect(ROOT),
        LOG_LEVEL: "warn",
      });
      const ready = await poll(() => send(securedUrl, "GET", "/ready").catch(() => undefined), (r) => r?.status === 200);
      assert.equal(ready?.status, 200, `the AUTH=on gateway never became ready\n${secured.stdout()}${secured.stderr()}`);
      admin = await mintToken(JWT_SECRET, "ops", "admin");
      customer = await mintToken(JWT_SECRET, "1", "customer");
      browser = await openBrowser();
    });
    after(async () => {
      await browser?.close();
      await secured?.stop();
      await system?.close();
    });

    test("dashboard - with AUTH=on the data endpoint answers 401 without a token and 403 without the admin role; the page itself holds no data", async () => {
      const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
      const none = await send(securedUrl, "GET", "/dashboard/api/state");
      assert.equal(none.status, 401, none.text);
      assert.deepEqual(none.body, { id: "gateway", code: 401, detail: "a Bearer token is required", status: "Unauthorized", reason: "token_required" });
      const forbidden = await send(securedUrl, "GET", "/dashboard/api/state", undefined, bearer(customer));
      assert.equal(forbidden.status, 403, forbidden.text);
      assert.equal((forbidden.body as { reason?: string }).reason, "forbidden");
      const allowed = await send(securedUrl, "GET", "/dashboard/api/state", undefined, bearer(admin));
      assert.equal(allowed.status, 200, allowed.text);
      const page = await send(securedUrl, "GET", "/dashboard");
      assert.equal(page.status, 200);
      assert.doesNotMatch(page.text, /users|products|orders/);
      // The form's calls go through /rpc, which is for admins too.
      assert.equal((await send(securedUrl, "POST", "/rpc", { service: "users", endpoint: "UsersService.Get", request: { id: 1 } })).status, 401);
    });

    test("dashboard - with AUTH=on the page asks for an admin token, refuses a customer's, and with an admin's shows the services and calls through /rpc", async () => {
      const { page } = browser;
      browser.errors.length = 0;
      await page.goto(`${securedUrl}/dashboard`);
      const form = page.locator("#token-form");
      await form.waitFor({ state: "visible" });
      assert.match((await page.locator("#token-why").textContent()) ?? "", /^401/);
      await page.locator("#token").fill(customer);
      await form.getByRole("button", { name: "Use token" }).click();
      await page.locator("#token-why", { hasText: /^403/ }).waitFor();
      await page.locator("#token").fill(admin);
      await form.getByRole("button", { name: "Use token" }).click();
      await page.locator('details[data-service="users"]:not([data-nodes="0"])').waitFor();
      assert.equal(await form.isHidden(), true);
      // Kept for this tab only.
      assert.equal(await page.evaluate("sessionStorage.length"), 1);
      assert.equal(await page.evaluate("localStorage.length"), 0);

      const users = page.locator('details[data-service="users"]');
      await users.locator("summary").first().click();
      const get = users.locator('details[data-endpoint="UsersService.Get"]');
      await get.locator("summary").click();
      await get.getByRole("button", { name: "Fill the example" }).click();
      await get.getByRole("button", { name: "Call UsersService.Get" }).click();
      await get.locator("pre.response").waitFor();
      assert.equal(await get.locator('[data-testid="status"]').textContent(), "200");
      assert.match((await get.locator("pre.response").textContent()) ?? "", /"name": "Alice"/);
      // 401s and 403s of the page's own readings are the console's errors by design; nothing else may be.
      assert.deepEqual(browser.errors.filter((e) => !/status of 40[13]/.test(e)), []);
    });

    test("dashboard - with auth off (npm start) lists the services, calls UsersService.Get from its form, and shows a stopped node gone without a reload", async () => {
      const { page } = browser;
      browser.errors.length = 0;
      await page.goto(`${system.url}/dashboard`);
      for (const name of ["orders", "products", "users"]) {
        await page.locator(`details[data-service="${name}"]:not([data-nodes="0"])`).waitFor();
      }
      // A mark on the window: a reload would lose it.
      await page.evaluate("window.notReloaded = true");

      const users = page.locator('details[data-service="users"]');
      await users.locator("summary").first().click();
      const get = users.locator('details[data-endpoint="UsersService.Get"]');
      await get.locator("summary").click();
      await get.locator('input[name="id"]').fill("1");
      await get.getByRole("button", { name: "Call UsersService.Get" }).click();
      const response = get.locator("pre.response");
      await response.waitFor();
      assert.equal(await get.locator('[data-testid="status"]').textContent(), "200");
      assert.deepEqual(JSON.parse((await response.textContent()) ?? ""), { user: { id: 1, email: "alice@example.com", name: "Alice" } });

      // That call went through /rpc, and the gateway's breaker for users has seen it.
      await page.locator('tr[data-breaker="users"] .pill[data-state="closed"]').waitFor();
      await page.locator('#routes tr[data-route="POST /rpc"]').waitFor();
      await page.locator("#recent tbody tr", { hasText: "/rpc" }).first().waitFor();

      // Traffic of every kind, for the routes table (and the screenshot).
      for (let i = 0; i < 20; i++) {
        assert.equal((await send(system.url, "GET", `/users/${(i % 3) + 1}`)).status, 200);
        assert.equal((await send(system.url, "GET", "/products?id=100")).status, 200);
      }
      assert.equal((await send(system.url, "GET", "/users/999")).status, 404);
      const order = await send(system.url, "POST", "/orders", { user_id: 1, product_id: 100, amount: 12.5 });
      assert.equal(order.status, 201, order.text);
      const row = page.locator('#routes tr[data-route="GET /users/:id"]');
      await row.waitFor();
      const id = String((await send(system.url, "GET", "/users/2")).headers["x-request-id"]);
      await page.locator(`#recent tr[data-request-id="${id}"]`).waitFor();
      assert.equal(await page.locator("#status").getAttribute("data-status"), "ok");

      if (SCREENSHOT !== undefined) {
        await page.screenshot({ path: join(ROOT, "docs", "dashboard.png"), fullPage: true });
      }

      const products = page.locator('details[data-service="products"]');
      assert.equal(await products.getAttribute("data-nodes"), "1");
      await system.stop("products");
      await page.locator('details[data-service="products"][data-nodes="0"]').waitFor();
      assert.equal(await products.locator("tr[data-node]").count(), 0);
      await page.locator('#readiness tr[data-expected="products"] .pill[data-status="unavailable"]').first().waitFor();
      await page.locator('#status[data-status="unavailable"]').waitFor();
      assert.equal(await page.evaluate("window.notReloaded"), true, "the page was not reloaded");
      assert.deepEqual(browser.errors, []);
    });
  });
}
