#!/usr/bin/env node
/**
 * `npm run start:cluster`: the distributed topology as processes on this machine, the same
 * programs as docker-compose runs: every service twice (CLUSTER_INSTANCES), each with its own
 * PostgreSQL database through a pool, discovery and RPC on NATS, one gateway in front. The
 * databases are created when missing. Ctrl-C stops everything.
 *
 * CLUSTER_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432) and CLUSTER_DATABASE_PREFIX
 * (default gw_) say where the databases are; NATS_URL (default nats://127.0.0.1:4222) where
 * NATS is; MICRO_TRANSPORT (default nats) may be http.
 */
import { withDevelopmentDefaults } from "./development.mjs";
import { join } from "node:path";
import { PROGRAMS, callSecret, formatter, run, say } from "./launcher.mjs";
import { build, installIfMissing, root } from "./prepare.mjs";
import { serviceNames } from "./programs.mjs";

const SERVICES = serviceNames(root);

installIfMissing(say);
build(say);

const postgres = process.env.CLUSTER_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432";
const prefix = process.env.CLUSTER_DATABASE_PREFIX ?? "gw_";
const nats = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const count = Number(process.env.CLUSTER_INSTANCES ?? "2");
const port = process.env.PORT ?? "8080";
if (!Number.isInteger(count) || count < 1 || count > 16) fail("CLUSTER_INSTANCES: expected an integer from 1 to 16");
if (!/^[a-z_][a-z0-9_]*$/.test(prefix)) fail("CLUSTER_DATABASE_PREFIX: expected lower-case letters, digits and _");

const urls = Object.fromEntries(SERVICES.map((s) => [s, databaseUrl(postgres, prefix + s)]));
await ensureDatabases(postgres, SERVICES.map((s) => prefix + s));

// A development setup like `npm start`: AUTH and RATE_LIMIT off unless the environment says.
const common = withDevelopmentDefaults({
  ...process.env,
  MICRO_REGISTRY: "nats",
  MICRO_REGISTRY_ADDRESS: nats,
  MICRO_TRANSPORT: process.env.MICRO_TRANSPORT ?? "nats",
  PORT: port,
});
if (!/^(off|false|0|no)$/i.test(common.AUTH)) common.MICRO_AUTH_SECRET = callSecret(join(root, ".data", "cluster"));
const instances = SERVICES.flatMap((service) =>
  Array.from({ length: count }, (_, i) => ({ label: `${service}#${i + 1}`, program: service, env: { ...common, DATABASE_URL: urls[service] } })),
);
instances.push({ label: "gateway", program: "gateway", env: common });
for (const i of instances) if (!(i.program in PROGRAMS)) fail(`unknown program ${i.program}`);

run(instances, { name: "start:cluster", pretty: await formatter(), gatewayUrl: `http://localhost:${port}` });

function databaseUrl(base, name) {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates the services' databases when missing; another cluster creating them at once is fine. */
async function ensureDatabases(base, names) {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: databaseUrl(base, "postgres") });
  try {
    await client.connect();
  } catch (error) {
    fail(`cannot reach PostgreSQL at ${new URL(base).host} (${error.code ?? error.message}); start it or set CLUSTER_POSTGRES_URL`);
  }
  try {
    for (const name of names) {
      const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      if (rowCount > 0) continue;
      await client.query(`CREATE DATABASE "${name}"`).catch((error) => {
        if (error.code !== "42P04") throw error;
      });
      say(`created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

function fail(message) {
  process.stderr.write(`start:cluster: ${message}\n`);
  process.exit(1);
}
