/**
 * What the NetworkPolicies under deploy/k8s let in, worked out the way the API defines it: a pod
 * that no policy selects takes every connection; a selected pod takes a connection only when some
 * ingress rule of a policy selecting it matches both the port (a number, or a named container
 * port) and the source (pod and namespace selectors; no `from` means any source). The tests ask
 * this of every declared port of every workload, from every pod of the system and from outside.
 */
import { type Manifest, containersOf, podSpecOf } from "./kubernetes.js";
import { type Obj, get, isObj, list, num, obj, optList, optObj, str } from "./values.js";

/** Where a connection comes from: a pod (labels) in a namespace (labels), or outside the cluster. */
export interface Source {
  readonly name: string;
  readonly pod?: Readonly<Record<string, string>>;
  readonly namespace?: Readonly<Record<string, string>>;
}

export const NAMESPACE = "api-gateway";
const namespaceLabels = (name: string) => ({ "kubernetes.io/metadata.name": name });

/** Each workload's pod in the system's namespace, plus a pod elsewhere, Prometheus, and the outside. */
export function sourcesOf(manifests: readonly Manifest[]): Source[] {
  const pods = workloads(manifests).map((w) => ({ name: w.name, pod: w.labels, namespace: namespaceLabels(NAMESPACE) }));
  return [
    ...pods,
    { name: "another-namespace", pod: { app: "anything" }, namespace: namespaceLabels("default") },
    { name: "monitoring", pod: { "app.kubernetes.io/name": "prometheus" }, namespace: namespaceLabels("monitoring") },
    { name: "outside" },
  ];
}

export interface Workload {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Container port name → number. */
  readonly ports: ReadonlyMap<string, number>;
}

export function workloads(manifests: readonly Manifest[]): Workload[] {
  return manifests.flatMap((m) => {
    const podSpec = podSpecOf(m);
    if (podSpec === undefined) return [];
    const labels = stringRecord(get(m.doc, "spec.template.metadata.labels"), `${m.where} labels`);
    const ports = containersOf(podSpec, m.where).flatMap((c) => optList(c["ports"], `${m.where} ports`).map((p) => obj(p, `${m.where} port`)));
    return [{ name: m.name, labels, ports: new Map(ports.map((p) => [str(p["name"], `${m.where} port name`), num(p["containerPort"], `${m.where} containerPort`)])) }];
  });
}

/** The names of the sources that may connect to `port` (a name of `target`'s ports). */
export function admitted(policies: readonly Manifest[], target: Workload, port: string, sources: readonly Source[]): string[] {
  const selecting = policies.filter((p) => selects(p, target));
  if (selecting.length === 0) return sources.map((s) => s.name);
  const rules = selecting.flatMap((p) => optList(get(p.doc, "spec.ingress"), `${p.where} ingress`).map((r) => obj(r, `${p.where} rule`)));
  return sources.filter((source) => rules.some((rule) => portMatches(rule, target, port) && sourceMatches(rule, source))).map((s) => s.name);
}

function selects(policy: Manifest, target: Workload): boolean {
  const types = optList(get(policy.doc, "spec.policyTypes"), `${policy.where} policyTypes`);
  // Without policyTypes a policy is about ingress (and egress only when it has egress rules).
  const ingress = types.length === 0 || types.includes("Ingress");
  return ingress && matches(obj(get(policy.doc, "spec.podSelector"), `${policy.where} podSelector`), target.labels);
}

function portMatches(rule: Obj, target: Workload, port: string): boolean {
  const ports = optList(rule["ports"], "rule ports").map((p) => obj(p, "rule port"));
  if (ports.length === 0) return true;
  const number = target.ports.get(port);
  return ports.some((p) => {
    if ((p["protocol"] ?? "TCP") !== "TCP") return false;
    const value = p["port"];
    if (value === undefined) return true;
    return typeof value === "string" ? value === port : value === number;
  });
}

function sourceMatches(rule: Obj, source: Source): boolean {
  const peers = optList(rule["from"], "rule from").map((p) => obj(p, "peer"));
  if (peers.length === 0) return true;
  return peers.some((peer) => {
    if (peer["ipBlock"] !== undefined) throw new Error("ipBlock peers are not evaluated here: add that first");
    if (source.pod === undefined || source.namespace === undefined) return false;
    const podSelector = optObj(peer["podSelector"], "peer podSelector");
    const namespaceSelector = optObj(peer["namespaceSelector"], "peer namespaceSelector");
    // A podSelector alone means pods of the policy's own namespace.
    const inNamespace = namespaceSelector === undefined ? source.namespace["kubernetes.io/metadata.name"] === NAMESPACE : matches(namespaceSelector, source.namespace);
    return inNamespace && (podSelector === undefined || matches(podSelector, source.pod));
  });
}

/** A LabelSelector: matchLabels and matchExpressions, all of which must hold; `{}` matches all. */
export function matches(selector: Obj, labels: Readonly<Record<string, string>>): boolean {
  const exact = optObj(selector["matchLabels"], "matchLabels") ?? {};
  if (!Object.entries(exact).every(([k, v]) => labels[k] === v)) return false;
  return optList(selector["matchExpressions"], "matchExpressions").every((e) => {
    const expression = obj(e, "matchExpression");
    const value = labels[str(expression["key"], "key")];
    const values = optList(expression["values"], "values").map((v) => str(v, "value"));
    switch (expression["operator"]) {
      case "In":
        return value !== undefined && values.includes(value);
      case "NotIn":
        return value === undefined || !values.includes(value);
      case "Exists":
        return value !== undefined;
      case "DoesNotExist":
        return value === undefined;
      default:
        throw new Error(`unknown operator ${String(expression["operator"])}`);
    }
  });
}

function stringRecord(value: unknown, where: string): Record<string, string> {
  if (!isObj(value)) throw new TypeError(`${where}: expected a mapping`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, str(v, `${where} ${k}`)]));
}

/** `{ "users.rpc": ["gateway", "orders"] }`: every declared port of every workload, what it admits. */
export function admissionTable(manifests: readonly Manifest[], policies: readonly Manifest[]): Record<string, string[]> {
  const sources = sourcesOf(manifests);
  const table: Record<string, string[]> = {};
  for (const target of workloads(manifests)) {
    for (const port of target.ports.keys()) table[`${target.name}.${port}`] = admitted(policies, target, port, sources).sort();
  }
  return table;
}

/** The policy selecting every pod with no ingress rule: what makes everything else deny by default. */
export function isDefaultDeny(policy: Manifest): boolean {
  const selector = obj(get(policy.doc, "spec.podSelector"), `${policy.where} podSelector`);
  return Object.keys(selector).length === 0 && list(get(policy.doc, "spec.policyTypes"), "policyTypes").includes("Ingress") && optList(get(policy.doc, "spec.ingress"), "ingress").length === 0;
}
