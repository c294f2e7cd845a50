/**
 * The one list of programs, read from the folders: every `services/<name>` with a package.json is
 * a service, `gateway` is the gateway. The launcher, `npm start`, `npm run start:cluster`,
 * `npm test`, the end-to-end harness, the benchmark and the deploy generator all ask here, so a
 * service added by `npm run micro -- new <name>` is started, tested and deployed with no other edit.
 *
 * A service that calls others says so in its package.json, `"micro": { "calls": ["users"] }`:
 * the deploy files let it reach them (NetworkPolicies, NATS permissions). Without it, a service
 * is reached by the gateway only and calls nobody.
 *
 * Node's own modules only: `npm start` imports this on a fresh clone, before any install.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** What a service name may be: a registry name, a folder, a DNS label and a SQL identifier part. */
export const SERVICE_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export const GATEWAY = "gateway";

/** The services under `root`, in name order, each with the services it calls. */
export function services(root = ROOT) {
  const dir = join(root, "services");
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, "package.json")))
    .map((entry) => {
      const name = entry.name;
      const manifest = JSON.parse(readFileSync(join(dir, name, "package.json"), "utf8"));
      const calls = manifest.micro?.calls ?? [];
      if (!Array.isArray(calls) || !calls.every((c) => typeof c === "string")) {
        throw new Error(`services/${name}/package.json: micro.calls: expected an array of service names`);
      }
      return { name, dir: `services/${name}`, main: `services/${name}/dist/main.js`, calls: [...calls] };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The service names under `root`, in name order. */
export function serviceNames(root = ROOT) {
  return services(root).map((s) => s.name);
}

/** Every program under `root`: the services in name order, then the gateway. */
export function programs(root = ROOT) {
  return [
    ...services(root).map((s) => ({ name: s.name, kind: "service", dir: s.dir, main: s.main, calls: s.calls })),
    { name: GATEWAY, kind: "gateway", dir: GATEWAY, main: `${GATEWAY}/dist/main.js`, calls: serviceNames(root) },
  ];
}

/** `{ users: "services/users/dist/main.js", …, gateway: "gateway/dist/main.js" }`. */
export function programEntries(root = ROOT) {
  return Object.fromEntries(programs(root).map((p) => [p.name, p.main]));
}

/** GATEWAY_EXPECT: the services the gateway's /ready waits for a node of, comma-separated. */
export function gatewayExpect(root = ROOT) {
  return serviceNames(root).join(",");
}

/** The workspace folders `npm test` looks for tests in (dist/ of each). */
export function workspaces(root = ROOT) {
  return ["packages/micro", "packages/proto", "packages/database", ...services(root).map((s) => s.dir), GATEWAY, "cli", "test/e2e", "bench"].filter((dir) =>
    existsSync(join(root, dir, "package.json")),
  );
}
