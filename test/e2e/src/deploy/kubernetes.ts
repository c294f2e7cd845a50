/**
 * The Kubernetes manifests under deploy/k8s as objects, with what the checks ask of them: the
 * pod template of a workload, a container's environment as the kubelet would assemble it from
 * ConfigMaps, the port a probe lands on, the length of a preStop pause, and the kustomizations.
 */
import { existsSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fromRoot, readYaml, readYamlDocuments, repoPath, yamlFilesUnder } from "./files.js";
import { type Obj, get, isObj, list, num, obj, optList, optObj, str } from "./values.js";

export const K8S_DIR = repoPath("deploy", "k8s");

export interface Manifest {
  /** The file, from the repository root, and the document's place in it: for messages. */
  readonly where: string;
  readonly file: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly doc: Obj;
}

export function isKustomization(path: string): boolean {
  return /^kustomization\.ya?ml$/.test(basename(path));
}

/** Every object in every manifest file (kustomization files are not objects of the cluster). */
export function loadManifests(dir: string = K8S_DIR): Manifest[] {
  return yamlFilesUnder(dir)
    .filter((file) => !isKustomization(file))
    .flatMap((file) =>
      readYamlDocuments(file).map((value, i) => {
        const where = `${fromRoot(file)}#${i + 1}`;
        const doc = obj(value, where);
        const name = str(get(doc, "metadata.name"), `${where} metadata.name`);
        return { where: `${where} (${String(doc["kind"])} ${name})`, file, apiVersion: str(doc["apiVersion"], `${where} apiVersion`), kind: str(doc["kind"], `${where} kind`), name, doc };
      }),
    );
}

const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet"]);

export function podSpecOf(m: Manifest): Obj | undefined {
  return WORKLOADS.has(m.kind) ? obj(get(m.doc, "spec.template.spec"), `${m.where} spec.template.spec`) : undefined;
}

export function containersOf(podSpec: Obj, where: string): Obj[] {
  return list(podSpec["containers"], `${where} containers`).map((c, i) => obj(c, `${where} containers[${i}]`));
}

/**
 * Plain values a container sees: ConfigMap data through envFrom, then `env` values (which win).
 * Values from Secrets or the downward API are not known here and are left out.
 */
export function plainEnvOf(container: Obj, configMaps: ReadonlyMap<string, Obj>, where: string): ReadonlyMap<string, string> {
  const env = new Map<string, string>();
  for (const source of optList(container["envFrom"], `${where} envFrom`)) {
    const ref = optObj(get(source, "configMapRef"), `${where} envFrom.configMapRef`);
    const data = ref === undefined ? undefined : configMaps.get(str(ref["name"], `${where} envFrom.configMapRef.name`));
    for (const [key, value] of Object.entries(optObj(data?.["data"], `${where} ConfigMap data`) ?? {})) env.set(key, str(value, `${where} ${key}`));
  }
  for (const item of optList(container["env"], `${where} env`)) {
    const entry = obj(item, `${where} env[]`);
    if (typeof entry["value"] === "string") env.set(str(entry["name"], `${where} env[].name`), entry["value"]);
  }
  return env;
}

/** The containerPort a probe's httpGet or tcpSocket port means, or undefined if none matches. */
export function probeTarget(probe: Obj, container: Obj, where: string): number | undefined {
  const action = optObj(probe["httpGet"], `${where} httpGet`) ?? optObj(probe["tcpSocket"], `${where} tcpSocket`);
  if (action === undefined) return undefined;
  const port = action["port"];
  const ports = optList(container["ports"], `${where} ports`).map((p, i) => obj(p, `${where} ports[${i}]`));
  const match = ports.find((p) => (typeof port === "string" ? p["name"] === port : p["containerPort"] === port));
  return match === undefined ? undefined : num(match["containerPort"], `${where} containerPort`);
}

/** Seconds a preStop hook waits: `sleep N` by exec (also under `sh -c`) or the sleep action. */
export function preStopSeconds(container: Obj, where: string): number | undefined {
  const preStop = optObj(get(container, "lifecycle.preStop"), `${where} lifecycle.preStop`);
  if (preStop === undefined) return undefined;
  const action = get(preStop, "sleep.seconds");
  if (typeof action === "number") return action;
  const command = optList(get(preStop, "exec.command"), `${where} preStop.exec.command`).map(String).join(" ");
  const match = /(?:^|\s)sleep\s+(\d+(?:\.\d+)?)\s*$/.exec(command);
  return match === null ? undefined : Number(match[1]);
}

export interface Kustomization {
  readonly file: string;
  readonly dir: string;
  /** Entries of `resources`, as written. */
  readonly resources: readonly string[];
}

export function loadKustomizations(dir: string = K8S_DIR): Kustomization[] {
  return yamlFilesUnder(dir)
    .filter(isKustomization)
    .map((file) => {
      const doc = obj(readYaml(file), fromRoot(file));
      const resources = optList(doc["resources"], `${fromRoot(file)} resources`).map((r, i) => str(r, `${fromRoot(file)} resources[${i}]`));
      return { file, dir: dirname(file), resources };
    });
}

/** A resources entry resolves to a file, or to a folder that is itself a kustomization. */
export function resolvesResource(k: Kustomization, entry: string): boolean {
  const path = join(k.dir, entry);
  if (!existsSync(path)) return false;
  if (!statSync(path).isDirectory()) return true;
  return ["kustomization.yaml", "kustomization.yml"].some((f) => existsSync(join(path, f)));
}

export function isRecordOfStrings(value: unknown): value is Readonly<Record<string, string>> {
  return isObj(value) && Object.values(value).every((v) => typeof v === "string");
}
