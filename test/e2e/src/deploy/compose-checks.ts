/**
 * docker-compose.yml's checks beyond its schema: dependencies wait on healthchecks, database URLs
 * fit init.sql, the gateway's port and auth, discovery through NATS, builds, probes and drains, and
 * the secrets every program gets (AUTH, MICRO_AUTH_SECRET, its NATS seed).
 * Each function is one test of deploy.test.ts, which names it.
 */
import assert from "node:assert/strict";
import { dependenciesOf, durationMs, environmentOf, loadCompose, servicesOf } from "./compose.js";
import { readText } from "./files.js";
import { BACKENDS, PROGRAMS, databasesCreatedBy, developmentJwtSecret, entrypointPrograms, portOf } from "./project.js";
import { composeTestEnv, keyVariable } from "./trust.js";
import { get, isObj, list, obj, str } from "./values.js";

/** deploy - every compose dependency waits for a healthcheck that the dependency defines */
export function checkComposeDependencies(): void {
  const services = servicesOf(loadCompose());
  for (const [name, service] of services) {
    for (const [dependency, condition] of dependenciesOf(service, name)) {
      assert.equal(condition, "service_healthy", `${name} depends on ${dependency} with ${condition}`);
      const target = services.get(dependency);
      assert.ok(target, `${name} depends on ${dependency}, which is not a service`);
      assert.ok(isObj(target["healthcheck"]) && target["healthcheck"]["disable"] !== true, `${dependency} defines no healthcheck`);
    }
  }
}

/** deploy - every compose DATABASE_URL disables TLS, names a database init.sql creates and the postgres password */
export function checkComposeDatabases(): void {
  const services = servicesOf(loadCompose());
  const created = databasesCreatedBy(readText("deploy", "postgres", "init.sql"));
  assert.deepEqual(created, [...BACKENDS].sort());
  const postgres = services.get("postgres");
  assert.ok(postgres, "a postgres service");
  const password = environmentOf(postgres, "postgres").get("POSTGRES_PASSWORD");
  const volumes = list(postgres["volumes"], "postgres.volumes").map(String);
  assert.ok(volumes.some((v) => v.startsWith("./deploy/postgres/init.sql:/docker-entrypoint-initdb.d/")), "init.sql is mounted where the image runs it");
  const seen: string[] = [];
  for (const [name, service] of services) {
    const raw = environmentOf(service, name).get("DATABASE_URL");
    if (raw === undefined) continue;
    const url = new URL(raw);
    assert.equal(url.searchParams.get("sslmode"), "disable", `${name}: the compose PostgreSQL has no TLS`);
    assert.ok(services.has(url.hostname), `${name}: ${url.hostname} is not a compose service`);
    assert.equal(decodeURIComponent(url.password), password, `${name}: password differs from POSTGRES_PASSWORD`);
    seen.push(url.pathname.slice(1));
  }
  assert.deepEqual(seen.sort(), created, "each backend has its own database, and only those exist");
}

/** deploy - the compose gateway publishes 8080, turns auth on and accepts tokens from npm run token */
export function checkComposeGateway(): void {
  const gateway = servicesOf(loadCompose()).get("gateway");
  assert.ok(gateway, "a gateway service");
  const ports = list(gateway["ports"], "gateway.ports").map((p) => (isObj(p) ? `${String(p["published"])}:${String(p["target"])}` : String(p)));
  assert.ok(ports.includes("8080:8080"), `gateway publishes ${ports.join(", ")}`);
  const env = environmentOf(gateway, "gateway");
  assert.equal(env.get("PORT"), "8080");
  assert.equal(env.get("HOST"), "0.0.0.0");
  assert.match(env.get("AUTH") ?? "", /^(true|on|1|yes)$/);
  assert.equal(env.get("AUTH_JWT_SECRET"), developmentJwtSecret());
  assert.notEqual(env.get("NODE_ENV"), "production", "under production the gateway refuses the development secret");
  // A real secret replaces the default without editing the file.
  const own = loadCompose({ ...composeTestEnv(), AUTH_JWT_SECRET: "x".repeat(40) });
  assert.equal(environmentOf(obj(servicesOf(own).get("gateway"), "gateway"), "gateway").get("AUTH_JWT_SECRET"), "x".repeat(40));
}

/** deploy - every compose program finds the others through the nats service, and each backend seeds the demo data */
export function checkComposeDiscovery(): void {
  const services = servicesOf(loadCompose());
  for (const name of PROGRAMS) {
    const env = environmentOf(obj(services.get(name), name), name);
    assert.equal(env.get("MICRO_REGISTRY"), "nats", name);
    const address = new URL(env.get("MICRO_REGISTRY_ADDRESS") ?? "");
    assert.equal(`${address.protocol}//${address.host}`, "nats://nats:4222", name);
    if (name === "gateway") continue;
    assert.equal(env.get("MICRO_SERVER_ADDRESS"), "0.0.0.0:9000", name);
    assert.equal(env.get("SEED_DEMO_DATA"), "true", `${name}: the seed's curl commands need the demo rows`);
  }
  assert.ok(services.has("nats"), "a nats service");
}

/** deploy - every compose program builds its program from the Dockerfile, probes /ready on its port, and outlasts its drain */
export function checkComposeBuilds(): void {
  const programs = entrypointPrograms();
  for (const name of PROGRAMS) {
    const service = obj(servicesOf(loadCompose()).get(name), name);
    const build = obj(service["build"], `${name}.build`);
    assert.equal(build["context"], ".", name);
    assert.equal(get(build, "args.PROGRAM"), name, `${name}: PROGRAM build arg`);
    assert.ok(programs.has(name), `${name} is a program deploy/entrypoint.mjs can start`);
    const env = environmentOf(service, name);
    const port = name === "gateway" ? Number(env.get("PORT")) : portOf(env.get("MICRO_ADMIN_ADDRESS"), `${name} MICRO_ADMIN_ADDRESS`);
    const probe = list(get(service, "healthcheck.test"), `${name}.healthcheck.test`).map(String);
    assert.equal(probe[0], "CMD", `${name}: exec form, no shell needed`);
    assert.ok(probe.some((word) => word.includes(`http://127.0.0.1:${port}/ready`)), `${name} probes ${probe.join(" ")}`);
    const shutdownMs = Number(env.get("SHUTDOWN_TIMEOUT_MS") ?? 10_000);
    const graceMs = durationMs(str(service["stop_grace_period"], `${name}.stop_grace_period`));
    assert.ok(graceMs > shutdownMs, `${name}: stop_grace_period ${graceMs} ms <= SHUTDOWN_TIMEOUT_MS ${shutdownMs}`);
  }
}

/** deploy - every compose program has AUTH on, the shared MICRO_AUTH_SECRET and its own NATS seed; NATS runs nats.conf with the public keys */
export function checkComposeTrust(): void {
  const env = composeTestEnv();
  const services = servicesOf(loadCompose());
  for (const name of PROGRAMS) {
    const own = environmentOf(obj(services.get(name), name), name);
    assert.deepEqual([own.get("AUTH"), own.get("MICRO_AUTH_SECRET"), own.get("MICRO_NATS_NKEY_SEED")], ["on", env["MICRO_AUTH_SECRET"], env[keyVariable(name, true)]], name);
  }
  const nats = obj(services.get("nats"), "nats");
  for (const name of PROGRAMS) assert.equal(environmentOf(nats, "nats").get(keyVariable(name)), env[keyVariable(name)]);
  assert.ok(list(nats["volumes"], "nats.volumes").includes("./deploy/nats/nats.conf:/etc/nats/nats.conf:ro"));
  assert.deepEqual(list(nats["command"], "nats.command"), ["nats-server", "--config", "/etc/nats/nats.conf"]);
}
