/**
 * The registry the environment picks, opened for one command: what it is called in a message
 * ("the NATS registry at nats://127.0.0.1:4999 (MICRO_REGISTRY=nats, MICRO_REGISTRY_ADDRESS)"), and
 * every way it can fail turned into that one line.
 */
import { existsSync } from "node:fs";
import { type Env, type MicroEnv, type Registry, RegistryRefusedError, registryFromEnv } from "@gw/micro";
import { Failure } from "../commands/command.js";

/** Which registry, where, and which variables said so. */
export function registryLabel(config: MicroEnv, given: Env): string {
  const kind = config.registry === "nats" ? "NATS" : config.registry;
  const how = [
    given.MICRO_REGISTRY?.trim() ? `MICRO_REGISTRY=${given.MICRO_REGISTRY.trim()}` : "MICRO_REGISTRY unset",
    given.MICRO_REGISTRY_ADDRESS?.trim()
      ? "MICRO_REGISTRY_ADDRESS"
      : config.registry === "local"
        ? "MICRO_REGISTRY_ADDRESS unset: npm start's folder"
        : "MICRO_REGISTRY_ADDRESS unset: the default",
  ];
  const where = config.registry === "memory" ? "" : ` at ${config.registryAddress}`;
  return `the ${kind} registry${where} (${how.join(", ")})`;
}

/** Runs `use` on the registry, closed afterwards; a registry that cannot answer is a Failure naming it. */
export async function withRegistry<T>(config: MicroEnv, given: Env, use: (registry: Registry, label: string) => Promise<T>): Promise<T> {
  const label = registryLabel(config, given);
  if (config.registry === "memory") {
    throw new Failure(`${label} lives inside one process: nothing another program registered is there; set MICRO_REGISTRY to local or nats`);
  }
  // Opening a local registry creates its folder: a reader must not make an empty one where the
  // programs never were, and a missing folder is almost always a wrong address.
  if (config.registry === "local" && !existsSync(config.registryAddress)) {
    throw new Failure(`nothing has registered in ${label}: the folder does not exist; start the system (npm start) or set MICRO_REGISTRY_ADDRESS`);
  }
  let registry: Registry;
  try {
    registry = await registryFromEnv(config);
  } catch (error) {
    throw new Failure(`cannot open ${label}: ${reasonOf(error)}`);
  }
  try {
    return await use(registry, label);
  } catch (error) {
    if (error instanceof Failure) throw error;
    if (error instanceof RegistryRefusedError) throw new Failure(`${label} refused: ${reasonOf(error)}`);
    if (isRegistryError(error)) throw new Failure(`cannot reach ${label}: ${reasonOf(error)}`);
    throw error;
  } finally {
    await registry.close().catch(() => undefined);
  }
}

function isRegistryError(error: unknown): boolean {
  return error instanceof Error && (error.name === "RegistryError" || error.name === "NatsUnavailableError");
}

/** The innermost message of an error chain, on one line: the most specific reason. */
export function reasonOf(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  const code = (current as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && code in SYSTEM_REASONS) return SYSTEM_REASONS[code] as string;
  const message = current instanceof Error ? current.message : String(current);
  return message.replace(/\s+/g, " ").trim() || "unknown error";
}

const SYSTEM_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "the host does not resolve",
  EAI_AGAIN: "the host does not resolve",
  ETIMEDOUT: "timed out",
  EACCES: "permission denied",
  EPERM: "permission denied",
};
