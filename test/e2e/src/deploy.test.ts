/**
 * The deployment files, checked without a Docker engine or a cluster: docker-compose.yml against
 * the Compose Specification's schema, every Kubernetes manifest against the schema of its kind,
 * and what no schema can see: healthchecks that dependencies wait on, database URLs that name
 * databases the init script creates, probes on ports the containers declare, grace periods that
 * outlast the drain, references between objects, kustomizations that list every file, a
 * Dockerfile whose copies exist and whose last stage runs as non-root, and the trust settings:
 * every program's call secret and NATS credential, a NATS that admits only the programs, and
 * NetworkPolicies worked out port by port. Longer checks live in deploy/*-checks.ts, one function
 * per test.
 */
import assert from "node:assert/strict";
import { sep } from "node:path";
import { test } from "node:test";
import { loadCompose } from "./deploy/compose.js";
import { readText } from "./deploy/files.js";
import { loadManifests } from "./deploy/kubernetes.js";
import { PROGRAMS, entrypointPrograms, portOf, programDeployments } from "./deploy/project.js";
import { admissionTable, isDefaultDeny, sourcesOf, workloads } from "./deploy/policies.js";
import { checkComposeBuilds, checkComposeDatabases, checkComposeDependencies, checkComposeDiscovery, checkComposeGateway, checkComposeTrust } from "./deploy/compose-checks.js";
import { checkCopies, checkEntrypoint, checkFinalStage, checkImageContents } from "./deploy/image-checks.js";
import { checkKustomizations, checkKustomizeRender, checkProbes, checkSecretDatabaseUrls, checkSecurityContexts, checkShutdown } from "./deploy/kubernetes-checks.js";
import { checkDeployNatsAdmits, checkDeployNatsPermissions, checkPlaceholders } from "./deploy/trust-checks.js";
import { referenceProblems } from "./deploy/references.js";
import { composeValidator, describeErrors, kubernetesValidator } from "./deploy/schemas.js";
import { NATS_CONF, composeTestEnv, kubernetesTrustProblems, natsConfProblems } from "./deploy/trust.js";
import { get, obj, optList } from "./deploy/values.js";

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

test("deploy - every compose dependency waits for a healthcheck that the dependency defines", () => checkComposeDependencies());

test("deploy - every compose DATABASE_URL disables TLS, names a database init.sql creates and the postgres password", () => checkComposeDatabases());

test("deploy - the compose gateway publishes 8080, turns auth on and accepts tokens from npm run token", () => checkComposeGateway());

test("deploy - every compose program finds the others through the nats service, and each backend seeds the demo data", () => checkComposeDiscovery());

test("deploy - every compose program builds its program from the Dockerfile, probes /ready on its port, and outlasts its drain", () => checkComposeBuilds());

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

test("deploy - every workload probes liveness and readiness on a declared port, each program on its own port", () => checkProbes());

test("deploy - every program waits in preStop, and its grace period outlasts preStop plus SHUTDOWN_TIMEOUT_MS", () => checkShutdown());

test("deploy - every workload runs as non-root without privilege escalation, programs on a read-only root", () => checkSecurityContexts());

test("deploy - every ConfigMap, Secret, Service and pod a manifest refers to exists under deploy/k8s", () => {
  assert.deepEqual(referenceProblems(loadManifests()), []);
});

test("deploy - every kustomization lists each manifest beside it, and every entry resolves", () => checkKustomizations());

test("deploy - the Secret's database URLs fit the dev PostgreSQL, and no Secret holds the public development JWT secret", () => checkSecretDatabaseUrls());

test("deploy - kubectl kustomize renders both entry points into objects valid for their kind", (t) => checkKustomizeRender(t));

// Trust: credentials, the call secret and the network policies

test("deploy - compose refuses to start without MICRO_AUTH_SECRET or any NATS key, and has no value for them", () => {
  assert.throws(() => loadCompose({}), /MICRO_AUTH_SECRET is required: set MICRO_AUTH_SECRET/);
  for (const name of Object.keys(composeTestEnv())) {
    const without = Object.fromEntries(Object.entries(composeTestEnv()).filter(([key]) => key !== name));
    assert.throws(() => loadCompose(without), new RegExp(`^Error: ${name} is required`), name);
  }
});

test("deploy - every compose program has AUTH on, the shared MICRO_AUTH_SECRET and its own NATS seed; NATS runs nats.conf with the public keys", () => checkComposeTrust());

test("deploy - every Kubernetes program has AUTH on, MICRO_AUTH_SECRET and its own NATS seed from the Secret; NATS runs nats.conf", () => {
  assert.deepEqual(kubernetesTrustProblems(loadManifests()), []);
  assert.deepEqual(natsConfProblems(readText(...NATS_CONF)), []);
});

test("deploy - nats.conf in a real nats-server admits each program's seed and refuses no credential or another key", async (t) => await checkDeployNatsAdmits(t));

test("deploy - in nats.conf each service may register only itself and the gateway nothing, and callers reach the services", async (t) => await checkDeployNatsPermissions(t));

test("deploy - the Secret's placeholders start nothing; the dev overlay's values work and its keys match", async (t) => await checkPlaceholders(t));

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

test("deploy - the Dockerfile is multi-stage, and its final stage runs as non-root with an exec-form entrypoint", () => checkFinalStage());

test("deploy - every path the Dockerfile copies from the build context exists and passes .dockerignore", () => checkCopies());

test("deploy - the image gets every workspace's package.json, each program's dist, the dashboard's files and each service's migrations and seeds", () => checkImageContents());

test("deploy - the entry script knows each program's main and refuses an unknown PROGRAM with one line", () => checkEntrypoint());
