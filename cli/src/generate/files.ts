/**
 * Every file that depends on the list of services, and how to write it from that list: the root
 * tsconfig.json's references, the Dockerfile, docker-compose.yml, the Kubernetes manifests, NATS's
 * configuration, PostgreSQL's init script and the image's entry script. Per-service Kubernetes
 * manifests are written whole; the other files are hand-written around generated regions
 * (regions.ts). `npm run deploy:generate` writes them all, `micro new` does after adding a service,
 * and a test checks that the committed files equal what this writes, so they cannot drift.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ServiceInfo } from "../../../scripts/programs.mjs";
import { serviceManifest } from "./manifest.js";
import { databaseName, envPrefix, flowList, sentence } from "./names.js";
import { fillRegions } from "./regions.js";

/** A NATS NKey user: the public key NATS's configuration names, the seed the program signs in with. */
export interface NKeyPair {
  readonly publicKey: string;
  readonly seed: string;
}

export interface Context {
  readonly root: string;
  /** In name order, as scripts/programs.mjs lists them. */
  readonly services: readonly ServiceInfo[];
  /** A new development NKey, for a program the dev overlay has none for yet. */
  newNKey(): NKeyPair;
}

export interface GeneratedFile {
  /** Relative to the root, with forward slashes. */
  readonly path: string;
  /** The file's content for this list; `current` is what is there now (undefined: no file yet). */
  render(current: string | undefined, context: Context): string;
}

const GATEWAY = "gateway";
const TOOLKIT = ["packages/micro", "packages/proto", "packages/database"];
const AFTER_SERVICES = [GATEWAY, "cli", "test/e2e", "bench"];
const ENV_HINT = "run npm run -s nats-keys >> .env, see deploy/README.md";
const NATS_DENY = '"$JS.API.STREAM.DELETE.>", "$JS.API.STREAM.PURGE.>", "$JS.API.STREAM.MSG.DELETE.>"';

/** Every generated file for `services`. */
export function generatedFiles(services: readonly ServiceInfo[]): GeneratedFile[] {
  return [
    { path: "tsconfig.json", render: (_, c) => rootTsconfig(c) },
    regions("Dockerfile", dockerfile),
    regions("docker-compose.yml", compose),
    regions("deploy/entrypoint.mjs", entrypoint),
    regions("deploy/postgres/init.sql", (c) => ({ databases: createDatabases(c) })),
    regions("deploy/nats/nats.conf", (c) => ({ "nats-users": natsUsers(c) })),
    regions("deploy/k8s/base/kustomization.yaml", (c) => ({ resources: c.services.map((s) => `- ${s.name}.yaml`) })),
    regions("deploy/k8s/base/nats.yaml", (c) => ({ "nats-users": natsUsers(c) })),
    regions("deploy/k8s/base/gateway.yaml", (c) => ({ "gateway-expect": ["- name: GATEWAY_EXPECT", `  value: ${expect(c)}`] })),
    regions("deploy/k8s/base/secret.yaml", secret),
    regions("deploy/k8s/base/network-policies.yaml", networkPolicies),
    regions("deploy/k8s/dev/postgres.yaml", (c) => ({ databases: createDatabases(c) })),
    regions("deploy/k8s/dev/kustomization.yaml", devKeys),
    regions("deploy/k8s/dev/network-policy.yaml", (c) => ({ services: [`values: ${flowList(names(c))}`] })),
    regions("deploy/k8s/monitoring/network-policy.yaml", (c) => ({ services: [`values: ${flowList(names(c))}`] })),
    ...services.map((s): GeneratedFile => ({ path: `deploy/k8s/base/${s.name}.yaml`, render: () => serviceManifest(s.name, s.calls) })),
  ];
}

type Regions = Readonly<Record<string, readonly string[]>>;

/** A hand-written file whose regions `produce` fills; every region it names must be in the file. */
function regions(path: string, produce: (c: Context, current: string) => Regions): GeneratedFile {
  return {
    path,
    render(current, context) {
      if (current === undefined) throw new Error(`${path}: missing; it is hand-written around generated regions, restore it from git`);
      const filled = produce(context, current);
      return fillRegions(current, (id) => filled[id], path, Object.keys(filled));
    },
  };
}

function names(c: Context): string[] {
  return c.services.map((s) => s.name);
}

function expect(c: Context): string {
  return names(c).join(",");
}

/** The programs NATS admits, the gateway first, as the files have always listed them. */
function natsPrograms(c: Context): string[] {
  return [GATEWAY, ...names(c)];
}

function rootTsconfig(c: Context): string {
  const paths = [...TOOLKIT, ...c.services.map((s) => s.dir), ...AFTER_SERVICES];
  const references = paths.map((p) => `    { "path": "${p}" }`).join(",\n");
  return `{\n  "files": [],\n  "references": [\n${references}\n  ]\n}\n`;
}

/** What a service reads beside dist/ at run time: its migrations, and its seeds when it has some. */
function assetsOf(c: Context, service: ServiceInfo): string[] {
  return ["migrations", "seeds"].filter((d) => existsSync(join(c.root, service.dir, d))).map((d) => `${service.dir}/${d}`);
}

function dockerfile(c: Context): Regions {
  return {
    manifests: c.services.map((s) => `COPY ${s.dir}/package.json ${s.dir}/`),
    build: [`RUN node_modules/.bin/tsc -b gateway ${c.services.map((s) => s.dir).join(" ")}`],
    dist: c.services.map((s) => `COPY --from=build /app/${s.dir}/dist ${s.dir}/dist`),
    assets: c.services.flatMap((s) => assetsOf(c, s).map((d) => `COPY ${d} ${d}`)),
  };
}

function compose(c: Context): Regions {
  const services = c.services.flatMap((s, i) => [
    ...(i > 0 ? [""] : []),
    `${s.name}:`,
    "  <<: *program",
    "  build:",
    "    context: .",
    "    args:",
    `      PROGRAM: ${s.name}`,
    "  environment:",
    "    <<: *service-env",
    `    DATABASE_URL: postgres://postgres:\${POSTGRES_PASSWORD:-postgres-development-password}@postgres:5432/${databaseName(s.name)}?sslmode=disable`,
    `    MICRO_NATS_NKEY_SEED: \${${envPrefix(s.name)}_NATS_NKEY_SEED:?${ENV_HINT}}`,
    "  depends_on: *service-depends",
    "  healthcheck: *service-healthcheck",
  ]);
  return {
    "nats-keys": natsPrograms(c).map((p) => `${envPrefix(p)}_NATS_NKEY: \${${envPrefix(p)}_NATS_NKEY:?${ENV_HINT}}`),
    services,
    "gateway-expect": [`GATEWAY_EXPECT: ${expect(c)}`],
    "gateway-depends": c.services.flatMap((s) => [`${s.name}:`, "  condition: service_healthy"]),
  };
}

function entrypoint(c: Context): Regions {
  const key = (name: string) => (/^[a-z][a-z0-9]*$/.test(name) ? name : JSON.stringify(name));
  return { programs: [`${GATEWAY}: "../${GATEWAY}/dist/main.js",`, ...c.services.map((s) => `${key(s.name)}: "../${s.main}",`)] };
}

function createDatabases(c: Context): string[] {
  return c.services.map((s) => `CREATE DATABASE ${databaseName(s.name)};`);
}

/**
 * One NKey user per program. A service publishes registry entries under its own name and takes
 * calls; the gateway, and a service that calls others, may send calls.
 */
function natsUsers(c: Context): string[] {
  const user = (program: string, publish: readonly string[], subscribe: readonly string[], note?: string) => [
    ...(note ? [`# ${note}`] : []),
    `{ nkey: $${envPrefix(program)}_NATS_NKEY, permissions: {`,
    `    publish: { allow: ${flowList(["$JS.API.>", "$JS.FC.>", "_INBOX.>", ...publish])}, deny: [${NATS_DENY}] }`,
    `    subscribe: { allow: ${flowList(["_INBOX.>", ...subscribe])} }`,
    "} }",
  ];
  return [
    ...user(GATEWAY, ["micro.rpc.>"], []),
    ...c.services.flatMap((s) =>
      user(
        s.name,
        [`$KV.micro_registry.${s.name}.>`, ...(s.calls.length > 0 ? ["micro.rpc.>"] : [])],
        ["micro.rpc.>"],
        s.calls.length > 0 ? `${s.name} both serves and calls ${sentence(s.calls)}.` : undefined,
      ),
    ),
  ];
}

function secret(c: Context): Regions {
  return {
    "nats-keys": natsPrograms(c).flatMap((p) => [`${envPrefix(p)}_NATS_NKEY: CHANGE-ME`, `${envPrefix(p)}_NATS_NKEY_SEED: CHANGE-ME`]),
    "database-urls": c.services.map((s) => `${envPrefix(s.name)}_DATABASE_URL: postgres://postgres:CHANGE-ME@postgres:5432/${databaseName(s.name)}?sslmode=disable`),
  };
}

/** Who calls `service`: the gateway, and every service that declares it calls it. */
function callersOf(c: Context, service: string): string[] {
  return [GATEWAY, ...c.services.filter((s) => s.calls.includes(service)).map((s) => s.name)];
}

function networkPolicies(c: Context): Regions {
  const width = Math.max(8, ...names(c).map((n) => n.length));
  const table = c.services.map((s) => {
    const others = callersOf(c, s.name).slice(1);
    return `#   ${s.name.padEnd(width)} rpc (9000)   from the gateway${others.length > 0 ? ` and ${sentence(others)}` : ""}`;
  });
  const policies = c.services.flatMap((s) => [
    "apiVersion: networking.k8s.io/v1",
    "kind: NetworkPolicy",
    "metadata:",
    `  name: ${s.name}-rpc`,
    "  namespace: api-gateway",
    "  labels:",
    "    app.kubernetes.io/part-of: api-gateway",
    "spec:",
    "  podSelector:",
    "    matchLabels:",
    `      app.kubernetes.io/name: ${s.name}`,
    '  policyTypes: ["Ingress"]',
    "  ingress:",
    "    - from:",
    ...callersOf(c, s.name).flatMap((caller) => ["        - podSelector:", "            matchLabels:", `              app.kubernetes.io/name: ${caller}`]),
    "      ports:",
    "        - port: rpc",
    "          protocol: TCP",
    "---",
  ]);
  return { table, policies, "nats-clients": [`values: ${flowList(natsPrograms(c))}`] };
}

/**
 * The dev overlay's public development NKeys: the ones already there are kept (they were made once
 * and are committed), a program without one gets a new pair.
 */
function devKeys(c: Context, current: string): Regions {
  const existing = new Map<string, string>();
  for (const m of current.matchAll(/path: \/stringData\/([A-Z0-9_]+)\n\s*value: (\S+)/g)) existing.set(m[1] ?? "", m[2] ?? "");
  const lines: string[] = [];
  for (const program of natsPrograms(c)) {
    const prefix = envPrefix(program);
    let publicKey = existing.get(`${prefix}_NATS_NKEY`);
    let seed = existing.get(`${prefix}_NATS_NKEY_SEED`);
    if (publicKey === undefined || seed === undefined) ({ publicKey, seed } = c.newNKey());
    lines.push("- op: replace", `  path: /stringData/${prefix}_NATS_NKEY`, `  value: ${publicKey}`);
    lines.push("- op: replace", `  path: /stringData/${prefix}_NATS_NKEY_SEED`, `  value: ${seed}`);
  }
  return { "nats-keys": lines };
}
