/**
 * The files generated from the list of services: the committed ones equal what the generator
 * writes (so they cannot drift from services/), and a service added to the list appears where a
 * service must, reachable by the gateway only unless it declares what it calls.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseAllDocuments } from "yaml";
import { ROOT, type ServiceInfo, services } from "../../../scripts/programs.mjs";
import { type Context, generatedFiles } from "./files.js";
import { generate } from "./index.js";
import { fillRegions } from "./regions.js";

test("generate - every committed generated file equals what the generator writes from services/", () => {
  const outcomes = generate(ROOT, { dryRun: true });
  assert.ok(outcomes.length >= 15, `${outcomes.length} files`);
  const differ = outcomes.filter((o) => o.changed).map((o) => o.path);
  assert.deepEqual(differ, [], `differ from the generator's output (run npm run deploy:generate): ${differ.join(", ")}`);
});

test("generate - the root tsconfig.json references every service the folders hold", () => {
  const references = (JSON.parse(readFileSync(join(ROOT, "tsconfig.json"), "utf8")) as { references: { path: string }[] }).references.map((r) => r.path);
  for (const s of services(ROOT)) assert.ok(references.includes(s.dir), s.dir);
  assert.ok(references.includes("gateway") && references.includes("cli"));
});

/** The generated files' contents for the repository's services plus `extra`. */
function renderWith(extra: ServiceInfo): Map<string, string> {
  const list = [...services(ROOT), extra].sort((a, b) => (a.name < b.name ? -1 : 1));
  let made = 0;
  const context: Context = { root: ROOT, services: list, newNKey: () => ({ publicKey: `UPUBLIC${++made}`, seed: `SUSEED${made}` }) };
  const out = new Map<string, string>();
  for (const file of generatedFiles(list)) {
    let current: string | undefined;
    try {
      current = readFileSync(join(ROOT, file.path), "utf8");
    } catch {
      current = undefined;
    }
    out.set(file.path, file.render(current, context));
  }
  return out;
}

const PAYMENTS: ServiceInfo = { name: "gift-cards", dir: "services/gift-cards", main: "services/gift-cards/dist/main.js", calls: [] };

test("generate - a new service gets its build, image, compose service, database, NATS user, Secret keys and Kubernetes manifest", () => {
  const files = renderWith(PAYMENTS);
  const get = (path: string) => files.get(path) ?? assert.fail(`${path} not generated`);
  assert.match(get("tsconfig.json"), /\{ "path": "services\/gift-cards" \}/);
  assert.match(get("Dockerfile"), /^COPY services\/gift-cards\/package\.json services\/gift-cards\/$/m);
  assert.match(get("Dockerfile"), /^RUN node_modules\/\.bin\/tsc -b gateway .*services\/gift-cards/m);
  assert.match(get("Dockerfile"), /^COPY --from=build \/app\/services\/gift-cards\/dist services\/gift-cards\/dist$/m);
  assert.match(get("docker-compose.yml"), /^ {2}gift-cards:\n {4}<<: \*program/m);
  assert.match(get("docker-compose.yml"), /postgres:5432\/gift_cards\?sslmode=disable/);
  assert.match(get("docker-compose.yml"), /GATEWAY_EXPECT: gift-cards,orders,products,users/);
  assert.match(get("deploy/entrypoint.mjs"), /^ {2}"gift-cards": "\.\.\/services\/gift-cards\/dist\/main\.js",$/m);
  assert.match(get("deploy/postgres/init.sql"), /^CREATE DATABASE gift_cards;$/m);
  assert.match(get("deploy/k8s/dev/postgres.yaml"), /^ {4}CREATE DATABASE gift_cards;$/m);
  for (const path of ["deploy/nats/nats.conf", "deploy/k8s/base/nats.yaml"]) {
    assert.match(get(path), /\{ nkey: \$GIFT_CARDS_NATS_NKEY, permissions: \{\n.*"\$KV\.micro_registry\.gift-cards\.>"\]/, path);
  }
  assert.match(get("deploy/k8s/base/secret.yaml"), /^ {2}GIFT_CARDS_DATABASE_URL: /m);
  assert.match(get("deploy/k8s/dev/kustomization.yaml"), /path: \/stringData\/GIFT_CARDS_NATS_NKEY_SEED\n {8}value: SUSEED\d/);
  // The keys already committed are kept, not made again.
  assert.match(get("deploy/k8s/dev/kustomization.yaml"), /value: UBZNZEQKA3JWMH42GRVHPVWQKG2WIEO4A2ALIL4DMXG2TOSLYQDNCNNH/);
  assert.match(get("deploy/k8s/base/kustomization.yaml"), /^ {2}- gift-cards\.yaml$/m);
  const [deployment] = parseAllDocuments(get("deploy/k8s/base/gift-cards.yaml")).map((d) => d.toJS() as Record<string, unknown>);
  assert.equal((deployment?.["metadata"] as { name: string }).name, "gift-cards");
  assert.match(get("deploy/k8s/base/gift-cards.yaml"), /key: GIFT_CARDS_DATABASE_URL/);
});

test("generate - a new service is reached by the gateway only and calls nobody, unless it declares what it calls", () => {
  const policiesOf = (files: Map<string, string>) =>
    new Map(
      parseAllDocuments(files.get("deploy/k8s/base/network-policies.yaml") ?? "")
        .map((d) => d.toJS() as { metadata: { name: string }; spec: { ingress?: { from?: { podSelector?: { matchLabels?: Record<string, string> } }[] }[] } })
        .map((p) => [p.metadata.name, (p.spec.ingress ?? []).flatMap((i) => (i.from ?? []).map((f) => f.podSelector?.matchLabels?.["app.kubernetes.io/name"]))]),
    );
  const alone = renderWith(PAYMENTS);
  assert.deepEqual(policiesOf(alone).get("gift-cards-rpc"), ["gateway"]);
  assert.deepEqual(policiesOf(alone).get("users-rpc"), ["gateway", "orders"]);
  assert.doesNotMatch(alone.get("deploy/nats/nats.conf") ?? "", /gift-cards\.>", "micro\.rpc\.>"/);

  const calling = renderWith({ ...PAYMENTS, calls: ["users"] });
  assert.deepEqual(policiesOf(calling).get("users-rpc"), ["gateway", "gift-cards", "orders"]);
  assert.deepEqual(policiesOf(calling).get("products-rpc"), ["gateway", "orders"]);
  assert.match(calling.get("deploy/nats/nats.conf") ?? "", /# gift-cards both serves and calls users\.\n.*\n.*"\$KV\.micro_registry\.gift-cards\.>", "micro\.rpc\.>"\]/);
});

test("generate - a region without its end line, or one the generator does not know, is an error naming the file", () => {
  const begin = "# begin generated x (npm run deploy:generate)";
  assert.throws(() => fillRegions(`a\n${begin}\nb\n`, () => ["c"], "f.yaml"), /^Error: f\.yaml: generated region x has no end line$/);
  assert.throws(() => fillRegions(`${begin}\n# end generated x\n`, () => undefined, "f.yaml"), /f\.yaml: unknown generated region x/);
  assert.throws(() => fillRegions("a\n", () => ["c"], "f.yaml", ["x"]), /f\.yaml: generated region x is missing/);
  assert.equal(fillRegions(`  ${begin}\n  old\n  # end generated x\n`, () => ["new", "", "more"], "f.yaml"), `  ${begin}\n  new\n\n  more\n  # end generated x\n`);
});
