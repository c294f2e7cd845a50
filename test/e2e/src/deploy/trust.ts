/**
 * The deployment's trust settings, checked from the files: every program signs calls with
 * MICRO_AUTH_SECRET and joins NATS with its own NKey seed, both from the Secret (or compose's
 * required variables); NATS reads one configuration, the same file for compose and Kubernetes,
 * which admits the four programs' public keys and nobody else. `runDeployNats` runs that very
 * configuration in a real nats-server, so "nobody else" is the server's answer, not a reading.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { natsServerBinary } from "@gw/micro/nats/testing";
import { type NatsConnection, connect, nkeyAuthenticator } from "@nats-io/transport-node";
import { waitFor } from "@gw/micro/testing";
import { freePort } from "../harness.js";
import { readText, repoPath } from "./files.js";
import { type Manifest, containersOf, podSpecOf } from "./kubernetes.js";
import { PROGRAMS, programDeployments } from "./project.js";
import { get, list, obj, optList } from "./values.js";

export const SECRET_NAME = "api-gateway-secrets";
export const NATS_CONF = ["deploy", "nats", "nats.conf"] as const;

/** `<PROGRAM>_NATS_NKEY` (public) and `_SEED` (secret), as nats-keys prints them. */
export const keyVariable = (program: string, seed = false) => `${program.toUpperCase()}_NATS_NKEY${seed ? "_SEED" : ""}`;

let composeEnv: Record<string, string> | undefined;

/** What a user's .env holds after following deploy/README.md: `npm run nats-keys` and a call secret. */
export function composeTestEnv(): Readonly<Record<string, string>> {
  if (composeEnv) return composeEnv;
  const printed = execFileSync(process.execPath, [repoPath("scripts", "nats-keys.mjs")], { encoding: "utf8" });
  const pairs = printed.split("\n").filter((line) => line !== "" && !line.startsWith("#")).map((line) => line.split("=", 2) as [string, string]);
  composeEnv = { ...Object.fromEntries(pairs), MICRO_AUTH_SECRET: randomBytes(48).toString("base64") };
  return composeEnv;
}

/** The env entry `name` of a container, or undefined. */
function envEntry(container: Readonly<Record<string, unknown>>, name: string): Readonly<Record<string, unknown>> | undefined {
  return optList(container["env"], "env").map((e) => obj(e, "env[]")).find((e) => e["name"] === name);
}

function fromSecret(container: Readonly<Record<string, unknown>>, name: string, key: string): boolean {
  const ref = get(envEntry(container, name), "valueFrom.secretKeyRef");
  return get(ref, "name") === SECRET_NAME && get(ref, "key") === key && get(ref, "optional") !== true;
}

/** Each program: AUTH on, MICRO_AUTH_SECRET and its own NKey seed from the Secret; NATS: the public keys. */
export function kubernetesTrustProblems(manifests: readonly Manifest[]): string[] {
  const problems: string[] = [];
  const programs = programDeployments(manifests);
  for (const program of PROGRAMS) {
    const deployment = programs.get(program);
    if (!deployment) {
      problems.push(`${program}: no Deployment`);
      continue;
    }
    const { m, container, env } = deployment;
    if (env.get("AUTH") !== "on") problems.push(`${m.where}: AUTH is ${String(env.get("AUTH"))}, not on`);
    if (!fromSecret(container, "MICRO_AUTH_SECRET", "MICRO_AUTH_SECRET")) problems.push(`${m.where}: MICRO_AUTH_SECRET is not the Secret's`);
    if (!fromSecret(container, "MICRO_NATS_NKEY_SEED", keyVariable(program, true))) problems.push(`${m.where}: MICRO_NATS_NKEY_SEED is not ${keyVariable(program, true)}`);
  }
  const nats = manifests.find((m) => m.kind === "Deployment" && m.name === "nats");
  const natsContainer = nats === undefined ? undefined : containersOf(obj(podSpecOf(nats), nats.where), nats.where)[0];
  if (!nats || !natsContainer) return [...problems, "no nats Deployment"];
  for (const program of PROGRAMS) {
    if (!fromSecret(natsContainer, keyVariable(program), keyVariable(program))) problems.push(`${nats.where}: ${keyVariable(program)} is not the Secret's`);
  }
  const args = list(natsContainer["args"], `${nats.where} args`).map(String).join(" ");
  if (!args.includes("--config /etc/nats/nats.conf")) problems.push(`${nats.where}: not started with /etc/nats/nats.conf (${args})`);
  const config = manifests.find((m) => m.kind === "ConfigMap" && m.name === "nats-config");
  const inline = config === undefined ? undefined : obj(get(config.doc, "data"), `${config.where} data`)["nats.conf"];
  if (inline !== readText(...NATS_CONF)) problems.push("ConfigMap nats-config's nats.conf differs from deploy/nats/nats.conf");
  return problems;
}

/** nats.conf lets in exactly the four programs' keys, each named by a variable, and no anonymous user. */
export function natsConfProblems(conf: string): string[] {
  const problems: string[] = [];
  const users = [...conf.matchAll(/\{\s*nkey:\s*\$([A-Z_]+)[\s,}]/g)].map((m) => m[1]);
  const expected = PROGRAMS.map((p) => keyVariable(p)).sort();
  if (JSON.stringify([...users].sort()) !== JSON.stringify(expected)) problems.push(`nkey users ${users.join(", ")}, expected ${expected.join(", ")}`);
  for (const loophole of ["no_auth_user", "password", "token", "allow_non_tls", "accounts"]) {
    if (new RegExp(`^\\s*${loophole}\\b`, "m").test(conf)) problems.push(`nats.conf sets ${loophole}`);
  }
  return problems;
}

/** The dev overlay's Secret values: its JSON patch's `replace` operations, by key. */
export function devSecretValues(): ReadonlyMap<string, string> {
  const kustomization = readText("deploy", "k8s", "dev", "kustomization.yaml");
  return new Map([...kustomization.matchAll(/path: \/stringData\/(\w+)\n\s+value: (\S+)/g)].map((m) => [m[1] ?? "", m[2] ?? ""]));
}

/** A connection signed in with `seed`, or with no credential; never retried, so a refusal is at once. */
export function natsConnect(url: string, seed: string | undefined): Promise<NatsConnection> {
  const authenticator = seed === undefined ? {} : { authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)) };
  return connect({ servers: url, reconnect: false, timeout: 5000, ...authenticator });
}

export interface DeployNats {
  readonly url: string;
  readonly output: () => string;
  close(): Promise<void>;
}

/**
 * Runs deploy/nats/nats.conf as it is, with `env` as the server's environment, on free ports and a
 * store folder of its own (the only line changed: the file's /data is the container's volume).
 * Resolves once it serves, or with its exit code and output when it refuses to start.
 */
export async function runDeployNats(env: Readonly<Record<string, string>>): Promise<DeployNats | { exitCode: number | null; output: string }> {
  const binary = natsServerBinary();
  if (!binary) throw new Error("nats-server is not installed");
  const dir = await mkdtemp(join(tmpdir(), "gw-deploy-nats-"));
  const conf = readText(...NATS_CONF);
  if (!conf.includes("store_dir: /data")) throw new Error("nats.conf no longer stores in /data");
  await writeFile(join(dir, "nats.conf"), conf.replace("store_dir: /data", `store_dir: ${JSON.stringify(join(dir, "js"))}`));
  const [port, monitor] = [await freePort(), await freePort()];
  const child = spawn(binary, ["-c", join(dir, "nats.conf"), "-a", "127.0.0.1", "-p", String(port), "-m", String(monitor)], { env: { ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const ready = await Promise.race([untilReady(() => output), exited.then(() => false)]);
  if (!ready) {
    child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
    return { exitCode: await exited, output };
  }
  return { url: `nats://127.0.0.1:${port}`, output: () => output, close: () => stop(child, exited, dir) };
}

async function untilReady(output: () => string): Promise<boolean> {
  return waitFor(() => output().includes("Server is ready"), { timeoutMs: 20_000, intervalMs: 20 }).catch(() => false);
}

async function stop(child: ChildProcess, exited: Promise<unknown>, dir: string): Promise<void> {
  child.kill("SIGTERM");
  await exited;
  await rm(dir, { recursive: true, force: true });
}
