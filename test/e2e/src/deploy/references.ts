/**
 * References between Kubernetes objects that no per-object schema can check: a ConfigMap,
 * Secret or key a pod reads; the pods a Service, PodDisruptionBudget or Deployment selects; the
 * named ports a Service targets; the Service an in-cluster URL (nats://nats:4222) dials; the
 * namespace an object goes to. Each problem is one line naming the object.
 */
import { type Manifest, containersOf, podSpecOf } from "./kubernetes.js";
import { type Obj, get, isObj, list, obj, optList, optObj, str } from "./values.js";

interface Pods {
  readonly m: Manifest;
  readonly labels: Readonly<Record<string, unknown>>;
  readonly portNames: ReadonlySet<string>;
  readonly portNumbers: ReadonlySet<number>;
}

export function referenceProblems(manifests: readonly Manifest[]): string[] {
  const problems: string[] = [];
  const named = (kind: string): Map<string, Obj> => new Map(manifests.filter((m) => m.kind === kind).map((m) => [m.name, m.doc]));
  const configMaps = named("ConfigMap");
  const secrets = named("Secret");
  const services = named("Service");
  const namespaces = named("Namespace");
  const pods = manifests.flatMap((m) => podsOf(m));

  for (const m of manifests) {
    const namespace = get(m.doc, "metadata.namespace");
    if (typeof namespace === "string" && !namespaces.has(namespace)) problems.push(`${m.where}: namespace ${namespace} is not defined`);
    const podSpec = podSpecOf(m);
    if (podSpec !== undefined) problems.push(...podReferences(m, podSpec, { configMaps, secrets }));
    if (m.kind === "StatefulSet" && !services.has(str(get(m.doc, "spec.serviceName"), `${m.where} serviceName`))) {
      problems.push(`${m.where}: serviceName names no Service`);
    }
    const selector = m.kind === "Service" ? get(m.doc, "spec.selector") : get(m.doc, "spec.selector.matchLabels");
    if (isObj(selector)) {
      const selected = pods.filter((p) => Object.entries(selector).every(([k, v]) => p.labels[k] === v));
      if (selected.length === 0) problems.push(`${m.where}: its selector matches no pod template`);
      if (podSpec !== undefined && !selected.some((p) => p.m === m)) problems.push(`${m.where}: selector does not match its own template`);
      if (m.kind === "Service") problems.push(...targetPortProblems(m, selected));
    }
    if (m.kind === "ConfigMap" || m.kind === "Secret") problems.push(...urlProblems(m, services));
  }
  return problems;
}

function podsOf(m: Manifest): Pods[] {
  const podSpec = podSpecOf(m);
  if (podSpec === undefined) return [];
  const ports = containersOf(podSpec, m.where).flatMap((c) => optList(c["ports"], `${m.where} ports`).map((p) => obj(p, `${m.where} port`)));
  return [
    {
      m,
      labels: optObj(get(m.doc, "spec.template.metadata.labels"), `${m.where} template labels`) ?? {},
      portNames: new Set(ports.map((p) => p["name"]).filter((n): n is string => typeof n === "string")),
      portNumbers: new Set(ports.map((p) => p["containerPort"]).filter((n): n is number => typeof n === "number")),
    },
  ];
}

interface Stores {
  readonly configMaps: ReadonlyMap<string, Obj>;
  readonly secrets: ReadonlyMap<string, Obj>;
}

function podReferences(m: Manifest, podSpec: Obj, stores: Stores): string[] {
  const problems: string[] = [];
  const check = (kind: "ConfigMap" | "Secret", ref: Obj | undefined, key?: string): void => {
    if (ref === undefined || ref["optional"] === true) return;
    const name = str(ref["name"] ?? ref["secretName"], `${m.where} ${kind} reference`);
    const target = (kind === "ConfigMap" ? stores.configMaps : stores.secrets).get(name);
    if (target === undefined) problems.push(`${m.where}: ${kind} ${name} is not defined`);
    else if (key !== undefined && !keysOf(target).has(key)) problems.push(`${m.where}: ${kind} ${name} has no key ${key}`);
  };
  for (const container of containersOf(podSpec, m.where)) {
    for (const source of optList(container["envFrom"], `${m.where} envFrom`)) {
      check("ConfigMap", optObj(get(source, "configMapRef"), `${m.where} configMapRef`));
      check("Secret", optObj(get(source, "secretRef"), `${m.where} secretRef`));
    }
    for (const item of optList(container["env"], `${m.where} env`)) {
      const cm = optObj(get(item, "valueFrom.configMapKeyRef"), `${m.where} configMapKeyRef`);
      const secret = optObj(get(item, "valueFrom.secretKeyRef"), `${m.where} secretKeyRef`);
      check("ConfigMap", cm, cm === undefined ? undefined : str(cm["key"], `${m.where} configMapKeyRef.key`));
      check("Secret", secret, secret === undefined ? undefined : str(secret["key"], `${m.where} secretKeyRef.key`));
    }
  }
  for (const volume of optList(podSpec["volumes"], `${m.where} volumes`)) {
    check("ConfigMap", optObj(get(volume, "configMap"), `${m.where} volume configMap`));
    check("Secret", optObj(get(volume, "secret"), `${m.where} volume secret`));
  }
  return problems;
}

function keysOf(doc: Obj): Set<string> {
  return new Set([...Object.keys(optObj(doc["data"], "data") ?? {}), ...Object.keys(optObj(doc["stringData"], "stringData") ?? {})]);
}

function targetPortProblems(m: Manifest, selected: readonly Pods[]): string[] {
  return list(get(m.doc, "spec.ports"), `${m.where} ports`).flatMap((p) => {
    const port = obj(p, `${m.where} port`);
    const target = port["targetPort"] ?? port["port"];
    const found = selected.some((pod) => (typeof target === "string" ? pod.portNames.has(target) : typeof target === "number" && pod.portNumbers.has(target)));
    return found ? [] : [`${m.where}: targetPort ${String(target)} is not a port of the selected pods`];
  });
}

/** A value such as nats://nats:4222 names an in-cluster Service by its short name: it must exist. */
function urlProblems(m: Manifest, services: ReadonlyMap<string, Obj>): string[] {
  const values = { ...(optObj(m.doc["data"], "data") ?? {}), ...(optObj(m.doc["stringData"], "stringData") ?? {}) };
  return Object.entries(values).flatMap(([key, value]) => {
    if (typeof value !== "string" || !/^[a-z][a-z0-9+.-]*:\/\//.test(value)) return [];
    const url = new URL(value);
    if (url.hostname.includes(".") || url.hostname === "localhost" || url.port === "") return [];
    const service = services.get(url.hostname);
    if (service === undefined) return [`${m.where} ${key}: no Service ${url.hostname}`];
    const ports = list(get(service, "spec.ports"), `Service ${url.hostname} ports`).map((p) => get(p, "port"));
    return ports.includes(Number(url.port)) ? [] : [`${m.where} ${key}: Service ${url.hostname} does not expose ${url.port}`];
  });
}
