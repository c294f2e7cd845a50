/**
 * Facts about this repository that the deployment files must agree with, read from the files
 * that state them: the programs the image's entry script can start, the development JWT secret
 * `npm run token` signs with, the databases an init script creates, the Dockerfile's last stage,
 * and the Kubernetes Deployments that run the programs.
 */
import assert from "node:assert/strict";
import { serviceNames } from "../../../../scripts/programs.mjs";
import { ROOT } from "../harness.js";
import { type Stage, parseDockerfile } from "./dockerfile.js";
import { readText } from "./files.js";
import { type Manifest, containersOf, plainEnvOf, podSpecOf } from "./kubernetes.js";
import { type Obj, obj } from "./values.js";

/** The services under services/ (scripts/programs.mjs), which the deploy files are generated from. */
export const BACKENDS: readonly string[] = serviceNames(ROOT);
export const PROGRAMS: readonly string[] = [...BACKENDS, "gateway"];

/** `CREATE DATABASE name` statements of an init script, sorted. */
export function databasesCreatedBy(sql: string): string[] {
  return [...sql.matchAll(/CREATE\s+DATABASE\s+"?(\w+)"?/gi)].map((m) => m[1] ?? "").sort();
}

/** The programs deploy/entrypoint.mjs can start, each with the folder whose dist/main.js it imports. */
export function entrypointPrograms(): ReadonlyMap<string, string> {
  const source = readText("deploy", "entrypoint.mjs");
  return new Map([...source.matchAll(/^\s*"?([\w-]+)"?: "\.\.\/(.+)\/dist\/main\.js",$/gm)].map((m) => [m[1] ?? "", m[2] ?? ""]));
}

/** The public development secret, which the gateway accepts on loopback only. */
export function developmentJwtSecret(): string {
  const match = /const DEV_JWT_SECRET = "([^"]+)";/.exec(readText("gateway", "src", "auth", "config.ts"));
  assert.ok(match?.[1], "gateway/src/auth/config.ts declares DEV_JWT_SECRET");
  return match[1];
}

/** The port of a `host:port` setting such as MICRO_ADMIN_ADDRESS. */
export function portOf(address: string | undefined, where: string): number {
  const match = /:(\d+)$/.exec(address ?? "");
  assert.ok(match, `${where}: expected host:port, got ${String(address)}`);
  return Number(match[1]);
}

export function finalStage(): Stage {
  const stage = parseDockerfile(readText("Dockerfile")).stages.at(-1);
  assert.ok(stage, "a FROM");
  return stage;
}

export interface ProgramDeployment {
  readonly m: Manifest;
  readonly container: Obj;
  /** The container's plain environment, ConfigMaps included. */
  readonly env: ReadonlyMap<string, string>;
}

/** The Deployments that run one of the four programs (their container sets PROGRAM), by program. */
export function programDeployments(manifests: readonly Manifest[]): Map<string, ProgramDeployment> {
  const configMaps = new Map(manifests.filter((m) => m.kind === "ConfigMap").map((m) => [m.name, m.doc]));
  const found = new Map<string, ProgramDeployment>();
  for (const m of manifests.filter((x) => x.kind === "Deployment")) {
    for (const container of containersOf(obj(podSpecOf(m), m.where), m.where)) {
      const env = plainEnvOf(container, configMaps, m.where);
      const program = env.get("PROGRAM");
      if (program !== undefined) found.set(program, { m, container, env });
    }
  }
  return found;
}
