/**
 * The two requests the benchmark drives, as the seed's curl commands make them, with a random
 * existing user and product each time so no configuration answers one hot row from a cache:
 * `GET /users?id=N` and `POST /orders` with a JSON body.
 *
 * Existing rows: the demo users 1 to 3 and products 100 to 102 (the services' seeds), plus the
 * users created at setup, which get ids 4 to 3 + users on a fresh database.
 */
import type autocannon from "autocannon";

export const SCENARIO_NAMES = ["get-user", "create-order"] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export const DEMO_USERS = 3;
export const DEMO_PRODUCTS: readonly number[] = [100, 101, 102];

export interface Scenario {
  readonly name: ScenarioName;
  /** How the table and the chart show it. */
  readonly title: string;
  /** One autocannon request template, rebuilt with fresh random ids before every send. */
  request(): autocannon.Request;
}

/** The scenario `name` over users 1 to `DEMO_USERS + users`; every request carries `headers`. */
export function scenario(name: ScenarioName, users: number, headers: Readonly<Record<string, string>> = {}): Scenario {
  const lastUser = DEMO_USERS + users;
  const userId = () => 1 + Math.floor(Math.random() * lastUser);
  if (name === "get-user") {
    return {
      name,
      title: "GET /users?id=N",
      request: () => ({ method: "GET", headers: { ...headers }, setupRequest: (r) => ({ ...r, path: `/users?id=${userId()}` }) }),
    };
  }
  return {
    name,
    title: "POST /orders",
    request: () => ({
      method: "POST",
      path: "/orders",
      headers: { ...headers, "content-type": "application/json" },
      setupRequest: (r) => ({ ...r, body: JSON.stringify(orderBody(userId())) }),
    }),
  };
}

function orderBody(userId: number): { user_id: number; product_id: number; amount: number } {
  const product = DEMO_PRODUCTS[Math.floor(Math.random() * DEMO_PRODUCTS.length)] ?? 100;
  // 1.00 to 100.99: a valid amount with at most two decimals.
  return { user_id: userId, product_id: product, amount: (100 + Math.floor(Math.random() * 10_000)) / 100 };
}

/** How many users to create at once: enough to be quick, few enough for PGlite's one connection. */
const SETUP_CONCURRENCY = 8;

/**
 * Makes sure users 1 to `DEMO_USERS + users` exist, through the API (`POST /users`), for a
 * configuration whose data lives inside its programs. A later start on the same data finds them.
 */
export async function ensureUsers(url: string, users: number, headers: Readonly<Record<string, string>> = {}): Promise<void> {
  const last = DEMO_USERS + users;
  const status = (target: string, body?: unknown) => statusOf(target, headers, body);
  if (users === 0 || (await status(`${url}/users/${last}`)) === 200) return;
  let next = 1;
  const worker = async () => {
    for (let i = next++; i <= users; i = next++) {
      const created = await status(`${url}/users`, { email: `bench-${i}@example.com`, name: `Bench user ${i}` });
      // 409: made by an earlier, interrupted setup on the same data.
      if (created !== 201 && created !== 409) throw new Error(`setup: POST /users answered ${created}`);
    }
  };
  await Promise.all(Array.from({ length: SETUP_CONCURRENCY }, worker));
  const found = await status(`${url}/users/${last}`);
  if (found !== 200) throw new Error(`setup: user ${last} should exist after creating ${users} users, GET answered ${found}`);
}

async function statusOf(url: string, headers: Readonly<Record<string, string>>, body?: unknown): Promise<number> {
  const init: RequestInit =
    body === undefined ? { headers } : { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(url, init);
  await response.arrayBuffer();
  return response.status;
}
