/**
 * The deployment files, checked without a Docker engine or a cluster: docker-compose.yml against
 * the Compose Specification's schema, every Kubernetes manifest against the schema of its kind,
 * and what no schema can see: healthchecks that dependencies wait on, database URLs that name
 * databases the init script creates, probes on ports the containers declare, grace periods that
 * outlast the drain, references between objects, kustomizations that list every file, and a
 * Dockerfile whose copies exist and whose last stage runs as non-root.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { basename, dirname, join, sep } from "node:path";
import { test } from "node:test";
import { EnvReader, readMicroEnv } from "@gw/micro";
import { natsServerBinary } from "@gw/micro/nats/private-server";
import { requireOrSkip } from "@gw/micro/testing";
import { nkeys } from "@nats-io/transport-node";
import { parseAllDocuments } from "yaml";
import { dependenciesOf, durationMs, environmentOf, loadCompose, servicesOf } from "./deploy/compose.js";
import { execWords, isExecForm, parseCopy, parseDockerfile } from "./deploy/dockerfile.js";
import { parseDockerignore } from "./deploy/dockerignore.js";
import { readText, repoPath } from "./deploy/files.js";
import { K8S_DIR, containersOf, isRecordOfStrings, loadKustomizations, loadManifests, podSpecOf, preStopSeconds, probeTarget, resolvesResource } from "./deploy/kubernetes.js";
import {
  BACKENDS,
  PROGRAMS,
  databasesCreatedBy,
  developmentJwtSecret,
  entrypointPrograms,
  finalStage,
  portOf,
  programDeployments,
} from "./deploy/project.js";
import { admissionTable, isDefaultDeny, sourcesOf, workloads } from "./deploy/policies.js";
import { referenceProblems } from "./deploy/references.js";
import { composeValidator, describeErrors, kubernetesValidator } from "./deploy/schemas.js";
import { NATS_CONF, composeTestEnv, devSecretValues, keyVariable, kubernetesTrustProblems, natsConfProblems, natsConnect, runDeployNats } from "./deploy/trust.js";
import { type Obj, get, isObj, list, obj, optList, optObj, str } from "./deploy/values.js";

/** Who may connect to each declared port (the gateway's HTTP port: everyone, added below). */
const EXPECTED_ADMISSION = {
  "users.rpc": ["gateway", "orders"],
  "products.rpc": ["gateway", "orders"],
  "orders.rpc": ["gateway"],
  "users.admin": [],
  "products.admin": [],
  "orders.admin": [],
  "nats.client": ["gateway", "orders", "products", "users"],
  "nats.monitor": [],
  "postgres.postgres": ["orders", "products", "users"],
};

// docker-compose.yml

test("deploy - docker-compose.yml is valid against the Compose Specification schema", () => {
  const validate = composeValidator();
  assert.ok(validate(loadCompose()), describeErrors(validate.errors));
});

test("deploy - the compose schema check refuses a misspelt key, so a pass means something", () => {
  const compose = loadCompose();
  const services = obj(compose["services"], "services");
  const broken = { ...compose, services: { ...services, gateway: { ...obj(services["gateway"], "gateway"), helthcheck: {} } } };
  assert.equal(composeValidator()(broken), false);
});

test("deploy - every compose dependency waits for a healthcheck that the dependency defines", () => {
  const services = servicesOf(loadCompose());
  for (const [name, service] of services) {
    for (const [dependency, condition] of dependenciesOf(service, name)) {
      assert.equal(condition, "service_healthy", `${name} depends on ${dependency} with ${condition}`);
      const target = services.get(dependency);
      assert.ok(target, `${name} depends on ${dependency}, which is not a service`);
      assert.ok(isObj(target["healthcheck"]) && target["healthcheck"]["disable"] !== true, `${dependency} defines no healthcheck`);
    }
  }
});

test("deploy - every compose DATABASE_URL disables TLS, names a database init.sql creates and the postgres password", () => {
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
});

test("deploy - the compose gateway publishes 8080, turns auth on and accepts tokens from npm run token", () => {
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
});

test("deploy - every compose program finds the others through the nats service, and each backend seeds the demo data", () => {
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
});

test("deploy - every compose program builds its program from the Dockerfile, probes /ready on its port, and outlasts its drain", () => {
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
});

// deploy/k8s

test("deploy - every Kubernetes manifest is valid against the Kubernetes 1.30 schema for its kind", () => {
  const manifests = loadManifests();
  assert.ok(manifests.length > 0);
  for (const m of manifests) {
    const validate = kubernetesValidator(m.kind);
    assert.ok(validate, `${m.where}: no schema for ${m.apiVersion} ${m.kind} in deploy/schemas`);
    assert.ok(validate(m.doc), `${m.where}:\n${describeErrors(validate.errors)}`);
  }
});

test("deploy - the Kubernetes schema check refuses a misspelt field and a wrong apiVersion", () => {
  const deployment = loadManifests().find((m) => m.kind === "Deployment");
  assert.ok(deployment);
  const validate = kubernetesValidator("Deployment");
  assert.ok(validate);
  const spec = obj(deployment.doc["spec"], "spec");
  assert.equal(validate({ ...deployment.doc, spec: { ...spec, replica: 2 } }), false);
  assert.equal(validate({ ...deployment.doc, apiVersion: "extensions/v1beta1" }), false);
});

test("deploy - the four programs run as two-replica Deployments of programs the image can start", () => {
  const programs = programDeployments(loadManifests());
  assert.deepEqual([...programs.keys()].sort(), [...PROGRAMS].sort());
  const startable = entrypointPrograms();
  for (const [program, { m, env }] of programs) {
    assert.equal(get(m.doc, "spec.replicas"), 2, m.where);
    assert.ok(startable.has(program), `${m.where}: PROGRAM=${program}`);
    assert.equal(env.get("MICRO_REGISTRY"), "nats", m.where);
    assert.equal(env.get("NODE_ENV"), "production", m.where);
  }
});

test("deploy - every workload probes liveness and readiness on a declared port, each program on its own port", () => {
  const manifests = loadManifests();
  for (const m of manifests) {
    const podSpec = podSpecOf(m);
    if (podSpec === undefined) continue;
    for (const container of containersOf(podSpec, m.where)) {
      for (const kind of ["livenessProbe", "readinessProbe", "startupProbe"]) {
        const probe = optObj(container[kind], `${m.where} ${kind}`);
        if (probe === undefined) {
          assert.notEqual(kind, "livenessProbe", `${m.where}: no livenessProbe`);
          assert.notEqual(kind, "readinessProbe", `${m.where}: no readinessProbe`);
          continue;
        }
        if (probe["exec"] !== undefined) continue;
        assert.ok(probeTarget(probe, container, m.where) !== undefined, `${m.where}: ${kind} port is not a containerPort`);
      }
    }
  }
  for (const [program, { m, container, env }] of programDeployments(manifests)) {
    const expected = program === "gateway" ? Number(env.get("PORT")) : portOf(env.get("MICRO_ADMIN_ADDRESS"), `${m.where} MICRO_ADMIN_ADDRESS`);
    for (const [kind, path] of [["livenessProbe", "/health"], ["readinessProbe", "/ready"]] as const) {
      const probe = obj(container[kind], `${m.where} ${kind}`);
      assert.equal(get(probe, "httpGet.path"), path, `${m.where} ${kind}`);
      assert.equal(probeTarget(probe, container, m.where), expected, `${m.where} ${kind} port`);
    }
  }
});

test("deploy - every program waits in preStop, and its grace period outlasts preStop plus SHUTDOWN_TIMEOUT_MS", () => {
  for (const [, { m, container, env }] of programDeployments(loadManifests())) {
    const pause = preStopSeconds(container, m.where);
    assert.ok(pause !== undefined && pause > 0, `${m.where}: no preStop sleep`);
    const shutdownSec = Number(env.get("SHUTDOWN_TIMEOUT_MS") ?? 10_000) / 1000;
    const grace = get(m.doc, "spec.template.spec.terminationGracePeriodSeconds");
    assert.equal(typeof grace, "number", `${m.where}: terminationGracePeriodSeconds`);
    assert.ok(Number(grace) > shutdownSec + pause, `${m.where}: ${String(grace)} s <= ${shutdownSec} + ${pause} s`);
  }
});

test("deploy - every workload runs as non-root without privilege escalation, programs on a read-only root", () => {
  const manifests = loadManifests();
  const programs = new Set([...programDeployments(manifests).values()].map((p) => p.m.name));
  for (const m of manifests) {
    const podSpec = podSpecOf(m);
    if (podSpec === undefined) continue;
    for (const container of containersOf(podSpec, m.where)) {
      const nonRoot: unknown = get(container, "securityContext.runAsNonRoot") ?? get(podSpec, "securityContext.runAsNonRoot");
      assert.equal(nonRoot, true, `${m.where}: runAsNonRoot`);
      assert.equal(get(container, "securityContext.allowPrivilegeEscalation"), false, `${m.where}: allowPrivilegeEscalation`);
      if (!programs.has(m.name)) continue;
      assert.equal(get(container, "securityContext.readOnlyRootFilesystem"), true, `${m.where}: readOnlyRootFilesystem`);
      const mounts = list(container["volumeMounts"], `${m.where} volumeMounts`).map((v) => get(v, "mountPath"));
      assert.ok(mounts.includes("/tmp"), `${m.where}: a writable /tmp`);
    }
  }
});

test("deploy - every ConfigMap, Secret, Service and pod a manifest refers to exists under deploy/k8s", () => {
  assert.deepEqual(referenceProblems(loadManifests()), []);
});

test("deploy - every kustomization lists each manifest beside it, and every entry resolves", () => {
  const kustomizations = loadKustomizations();
  assert.ok(kustomizations.some((k) => k.dir === K8S_DIR), "deploy/k8s/kustomization.yaml, for kubectl apply -k deploy/k8s");
  const folders = new Set(kustomizations.map((k) => k.dir));
  for (const file of new Set(loadManifests().map((m) => m.file))) {
    assert.ok(folders.has(dirname(file)), `${file}: no kustomization in its folder would ever apply it`);
  }
  for (const k of kustomizations) {
    const listed = new Set(k.resources.map((entry) => join(k.dir, entry)));
    for (const entry of k.resources) assert.ok(resolvesResource(k, entry), `${k.file}: ${entry} does not resolve`);
    for (const file of new Set(loadManifests().map((m) => m.file))) {
      if (dirname(file) === k.dir) assert.ok(listed.has(file), `${k.file} does not list ${basename(file)}`);
    }
  }
});

test("deploy - the Secret's database URLs fit the dev PostgreSQL, and no Secret holds the public development JWT secret", () => {
  const manifests = loadManifests();
  const secrets = manifests.filter((m) => m.kind === "Secret");
  const devInit = manifests.find((m) => m.kind === "ConfigMap" && m.name === "postgres-init");
  assert.ok(devInit, "the dev overlay's init script");
  const created = databasesCreatedBy(str(obj(devInit.doc["data"], `${devInit.where} data`)["init.sql"], `${devInit.where} init.sql`));
  assert.deepEqual(created, databasesCreatedBy(readText("deploy", "postgres", "init.sql")), "both init scripts create the same databases");
  for (const m of secrets) {
    const data = m.doc["stringData"];
    assert.ok(isRecordOfStrings(data), `${m.where}: stringData of strings`);
    assert.ok(!Object.values(data).includes(developmentJwtSecret()), `${m.where}: the public development secret`);
    const jwtSecret = data["AUTH_JWT_SECRET"];
    if (jwtSecret !== undefined) {
      // Shorter than the gateway's 32-byte minimum: an unedited Secret stops the gateway at start.
      assert.ok(Buffer.byteLength(jwtSecret) < 32, `${m.where}: a placeholder that works would put a known key in service`);
    }
    for (const [key, value] of Object.entries(data).filter(([k]) => k.endsWith("DATABASE_URL"))) {
      const url = new URL(value);
      assert.ok(created.includes(url.pathname.slice(1)), `${m.where} ${key}: database ${url.pathname}`);
      if (url.hostname !== "postgres") continue;
      assert.equal(url.searchParams.get("sslmode"), "disable", `${m.where} ${key}: the dev PostgreSQL has no TLS`);
      assert.equal(decodeURIComponent(url.password), data["POSTGRES_PASSWORD"], `${m.where} ${key}: password`);
    }
  }
});

test("deploy - kubectl kustomize renders both entry points into objects valid for their kind", (t) => {
  const probe = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" });
  if (probe.error !== undefined) {
    t.skip("kubectl is not installed; the file-level checks above still ran");
    return;
  }
  const rendered = new Map<string, Obj[]>();
  for (const dir of [K8S_DIR, repoPath("deploy", "k8s", "dev")]) {
    const run = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    const docs = parseAllDocuments(run.stdout).map((document) => obj(document.toJS(), dir));
    for (const doc of docs) {
      const validate = kubernetesValidator(str(doc["kind"], "kind"));
      assert.ok(validate?.(doc), `${dir} ${String(doc["kind"])} ${String(get(doc, "metadata.name"))}: ${describeErrors(validate?.errors)}`);
      if (doc["kind"] !== "Namespace") assert.equal(get(doc, "metadata.namespace"), "api-gateway");
    }
    rendered.set(dir, docs);
  }
  // The dev overlay's patches landed: demo rows on, and a JWT secret the gateway accepts.
  const dev = rendered.get(repoPath("deploy", "k8s", "dev")) ?? [];
  assert.equal(get(dev.find((d) => get(d, "metadata.name") === "api-gateway-config"), "data.SEED_DEMO_DATA"), "true");
  const devSecret = get(dev.find((d) => get(d, "metadata.name") === "api-gateway-secrets"), "stringData.AUTH_JWT_SECRET");
  assert.ok(typeof devSecret === "string" && Buffer.byteLength(devSecret) >= 32, "the dev JWT secret is at least 32 bytes");
  assert.ok(dev.some((d) => d["kind"] === "StatefulSet" && get(d, "metadata.name") === "postgres"), "the dev PostgreSQL");
});

// Trust: credentials, the call secret and the network policies

test("deploy - compose refuses to start without MICRO_AUTH_SECRET or any NATS key, and has no value for them", () => {
  assert.throws(() => loadCompose({}), /MICRO_AUTH_SECRET is required: set MICRO_AUTH_SECRET/);
  for (const name of Object.keys(composeTestEnv())) {
    const without = Object.fromEntries(Object.entries(composeTestEnv()).filter(([key]) => key !== name));
    assert.throws(() => loadCompose(without), new RegExp(`^Error: ${name} is required`), name);
  }
});

test("deploy - every compose program has AUTH on, the shared MICRO_AUTH_SECRET and its own NATS seed; NATS runs nats.conf with the public keys", () => {
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
});

test("deploy - every Kubernetes program has AUTH on, MICRO_AUTH_SECRET and its own NATS seed from the Secret; NATS runs nats.conf", () => {
  assert.deepEqual(kubernetesTrustProblems(loadManifests()), []);
  assert.deepEqual(natsConfProblems(readText(...NATS_CONF)), []);
});

test("deploy - nats.conf in a real nats-server admits each program's seed and refuses no credential or another key", async (t) => {
  if (!requireOrSkip(t, natsServerBinary() !== undefined, "nats-server is not installed (PATH or /usr/sbin)")) return;
  const dev = devSecretValues();
  const server = await runDeployNats(Object.fromEntries(PROGRAMS.map((p) => [keyVariable(p), dev.get(keyVariable(p)) ?? ""])));
  assert.ok("url" in server, `nats-server did not start: ${"output" in server ? String(server.output) : ""}`);
  t.after(() => server.close());
  for (const program of PROGRAMS) await (await natsConnect(server.url, dev.get(keyVariable(program, true)))).close();
  const refused = { name: "AuthorizationError" };
  await assert.rejects(natsConnect(server.url, undefined), refused);
  await assert.rejects(natsConnect(server.url, new TextDecoder().decode(nkeys.createUser().getSeed())), refused);
});

test("deploy - the Secret's placeholders start nothing; the dev overlay's values work and its keys match", async (t) => {
  if (!requireOrSkip(t, natsServerBinary() !== undefined, "nats-server is not installed (PATH or /usr/sbin)")) return;
  const placeholders = obj(get(loadManifests().find((m) => m.kind === "Secret")?.doc, "stringData"), "Secret stringData");
  const keys = Object.fromEntries(PROGRAMS.map((p) => [keyVariable(p), str(placeholders[keyVariable(p)], keyVariable(p))]));
  const refusedByNats = await runDeployNats(keys);
  assert.ok("exitCode" in refusedByNats && refusedByNats.exitCode !== 0 && /Not a valid public nkey/.test(refusedByNats.output));
  const seed = str(placeholders[keyVariable("users", true)], "seed");
  assert.throws(() => readMicroEnv(new EnvReader({ MICRO_REGISTRY: "nats", MICRO_NATS_NKEY_SEED: seed })), /^ConfigError: MICRO_NATS_NKEY_SEED: expected an NKey user seed/);
  assert.ok(Buffer.byteLength(str(placeholders["MICRO_AUTH_SECRET"], "MICRO_AUTH_SECRET")) < 32, "a placeholder that works would put a known key in service");
  const dev = devSecretValues();
  assert.ok(Buffer.byteLength(dev.get("MICRO_AUTH_SECRET") ?? "") >= 32, "the dev call secret is at least 32 bytes");
  for (const program of PROGRAMS) {
    const pair = nkeys.fromSeed(new TextEncoder().encode(dev.get(keyVariable(program, true))));
    assert.equal(pair.getPublicKey(), dev.get(keyVariable(program)), program);
  }
});

test("deploy - services listen on the fixed RPC port they declare and advertise, so policies can name it", () => {
  for (const [program, { m, container, env }] of programDeployments(loadManifests())) {
    if (program === "gateway") continue;
    const rpc = workloads([m])[0]?.ports.get("rpc");
    assert.equal(portOf(env.get("MICRO_SERVER_ADDRESS"), `${m.where} MICRO_SERVER_ADDRESS`), rpc, m.where);
    assert.equal(get(optList(container["env"], "env").find((e) => get(e, "name") === "MICRO_SERVER_ADVERTISE"), "value"), `$(POD_IP):${String(rpc)}`);
  }
});

test("deploy - NetworkPolicies deny by default, open the gateway, take RPC only from callers and NATS only from programs, admin ports from no pod", () => {
  const manifests = loadManifests();
  const policies = manifests.filter((m) => m.kind === "NetworkPolicy" && !m.file.includes(`${sep}monitoring${sep}`));
  assert.ok(policies.some(isDefaultDeny), "a default-deny ingress policy for the namespace");
  const expected = { ...EXPECTED_ADMISSION, "gateway.http": sourcesOf(manifests).map((s) => s.name).sort() };
  assert.deepEqual(admissionTable(manifests, policies), expected);
  const withMonitoring = { ...expected, "users.admin": ["monitoring"], "products.admin": ["monitoring"], "orders.admin": ["monitoring"] };
  assert.deepEqual(admissionTable(manifests, manifests.filter((m) => m.kind === "NetworkPolicy")), withMonitoring, "with the opt-in monitoring component");
});

// Dockerfile

test("deploy - the Dockerfile is multi-stage, and its final stage runs as non-root with an exec-form entrypoint", () => {
  const { stages } = parseDockerfile(readText("Dockerfile"));
  assert.ok(stages.length >= 2, "multi-stage");
  const final = finalStage();
  assert.ok(final.instructions.some((i) => i.keyword === "COPY" && parseCopy(i).from !== undefined), "the final stage takes its files from earlier stages");
  const user = final.instructions.filter((i) => i.keyword === "USER").at(-1);
  assert.ok(user, "a USER in the final stage");
  assert.doesNotMatch(user.args.split(":")[0] ?? "", /^(root|0)$/, `USER ${user.args}`);
  const entry = final.instructions.filter((i) => i.keyword === "ENTRYPOINT" || i.keyword === "CMD").at(-1);
  assert.ok(entry && isExecForm(entry), "exec form, so node itself receives SIGTERM");
  const words = execWords(entry);
  assert.equal(words[0], "node");
  assert.ok(existsSync(repoPath(words[1] ?? "")), `${words[1] ?? ""} exists`);
});

test("deploy - every path the Dockerfile copies from the build context exists and passes .dockerignore", () => {
  const ignored = parseDockerignore(readText(".dockerignore"));
  const stages = parseDockerfile(readText("Dockerfile")).stages;
  const names = new Set(stages.map((s) => s.name));
  for (const stage of stages) {
    for (const copy of stage.instructions.filter((i) => i.keyword === "COPY" || i.keyword === "ADD").map(parseCopy)) {
      if (copy.from !== undefined) {
        assert.ok(names.has(copy.from.toLowerCase()), `line ${copy.line}: --from=${copy.from} is not a stage`);
        continue;
      }
      for (const source of copy.sources) {
        assert.ok(existsSync(repoPath(source)), `line ${copy.line}: ${source} is not in the repository`);
        assert.equal(ignored(source), false, `line ${copy.line}: .dockerignore leaves ${source} out of the context`);
      }
    }
  }
  for (const path of ["node_modules", "gateway/dist", "services/users/dist/main.js", "packages/micro/src/x.test.ts", ".git"]) {
    assert.equal(ignored(path), true, `${path} stays out of the context`);
  }
});

test("deploy - the image gets every workspace's package.json, each program's dist and each service's migrations and seeds", () => {
  const workspaces = list(obj(JSON.parse(readText("package.json")), "package.json")["workspaces"], "workspaces").map((w) => str(w, "workspace"));
  const copies = parseDockerfile(readText("Dockerfile")).stages.flatMap((s) => s.instructions.filter((i) => i.keyword === "COPY").map(parseCopy));
  const copied = new Set(copies.flatMap((c) => c.sources.map((s) => s.replace(/^\/app\//, ""))));
  for (const workspace of workspaces) assert.ok(copied.has(`${workspace}/package.json`), `${workspace}/package.json, which npm ci needs`);
  const runtime = finalStage().instructions.filter((i) => i.keyword === "COPY").map(parseCopy);
  const inImage = new Set(runtime.flatMap((c) => c.sources.map((s) => s.replace(/^\/app\//, ""))));
  // test/e2e and bench measure the programs; they are not part of what the image runs.
  for (const workspace of workspaces.filter((w) => w !== "test/e2e" && w !== "bench")) assert.ok(inImage.has(`${workspace}/dist`), `${workspace}/dist`);
  for (const backend of BACKENDS) {
    for (const folder of ["migrations", "seeds"]) {
      const path = `services/${backend}/${folder}`;
      if (existsSync(repoPath(path))) assert.ok(inImage.has(path), `${path}, read at start`);
    }
  }
});

test("deploy - the entry script knows each program's main and refuses an unknown PROGRAM with one line", () => {
  const programs = entrypointPrograms();
  assert.deepEqual([...programs.keys()].sort(), [...PROGRAMS].sort());
  for (const [name, dir] of programs) assert.ok(existsSync(repoPath(dir, "src", "main.ts")), `${name}: ${dir}/src/main.ts`);
  const run = spawnSync(process.execPath, [repoPath("deploy", "entrypoint.mjs")], { env: { PROGRAM: "billing" }, encoding: "utf8" });
  assert.equal(run.status, 2);
  assert.equal(run.stderr, 'entrypoint: PROGRAM: expected one of gateway, users, products, orders, got "billing"\n');
});
