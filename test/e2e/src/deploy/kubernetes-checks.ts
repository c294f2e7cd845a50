/**
 * The Kubernetes manifests' checks beyond their schemas: probes on declared ports, grace periods
 * that outlast preStop and the drain, non-root read-only workloads, kustomizations that list every
 * file, the Secret's database URLs, and (where kubectl is installed) what kustomize renders.
 * Each function is one test of deploy.test.ts, which names it.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { basename, dirname, join } from "node:path";
import type { TestContext } from "node:test";
import { parseAllDocuments } from "yaml";
import { readText, repoPath } from "./files.js";
import { K8S_DIR, containersOf, isRecordOfStrings, loadKustomizations, loadManifests, podSpecOf, preStopSeconds, probeTarget, resolvesResource } from "./kubernetes.js";
import { databasesCreatedBy, developmentJwtSecret, portOf, programDeployments } from "./project.js";
import { describeErrors, kubernetesValidator } from "./schemas.js";
import { type Obj, get, list, obj, optObj, str } from "./values.js";

/** deploy - every workload probes liveness and readiness on a declared port, each program on its own port */
export function checkProbes(): void {
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
}

/** deploy - every program waits in preStop, and its grace period outlasts preStop plus SHUTDOWN_TIMEOUT_MS */
export function checkShutdown(): void {
  for (const [, { m, container, env }] of programDeployments(loadManifests())) {
    const pause = preStopSeconds(container, m.where);
    assert.ok(pause !== undefined && pause > 0, `${m.where}: no preStop sleep`);
    const shutdownSec = Number(env.get("SHUTDOWN_TIMEOUT_MS") ?? 10_000) / 1000;
    const grace = get(m.doc, "spec.template.spec.terminationGracePeriodSeconds");
    assert.equal(typeof grace, "number", `${m.where}: terminationGracePeriodSeconds`);
    assert.ok(Number(grace) > shutdownSec + pause, `${m.where}: ${String(grace)} s <= ${shutdownSec} + ${pause} s`);
  }
}

/** deploy - every workload runs as non-root without privilege escalation, programs on a read-only root */
export function checkSecurityContexts(): void {
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
}

/** deploy - every kustomization lists each manifest beside it, and every entry resolves */
export function checkKustomizations(): void {
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
}

/** deploy - the Secret's database URLs fit the dev PostgreSQL, and no Secret holds the public development JWT secret */
export function checkSecretDatabaseUrls(): void {
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
}

/** deploy - kubectl kustomize renders both entry points into objects valid for their kind */
export function checkKustomizeRender(t: TestContext): void {
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
}
