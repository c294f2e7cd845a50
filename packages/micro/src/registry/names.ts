/**
 * What every registry accepts as a service name or node id, so a name valid for one backend is
 * valid for all: 1 to 200 letters, digits, ".", "_" or "-", starting with a letter or digit
 * (dotted go-micro names such as `go.micro.srv.users` fit). Without "/" or "\" a name can never
 * leave its folder in the local registry, starting with a letter or digit keeps "." and ".." out,
 * and 200 leaves room for a suffix in a 255-byte file name; NATS KV keys take it with its dots
 * escaped. A registry checks every name before it changes anything.
 */
import type { RegisteredService } from "./index.js";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export type NameKind = "service name" | "node id";

export class InvalidNameError extends Error {
  constructor(
    readonly registry: string,
    readonly kind: NameKind,
    readonly value: unknown,
  ) {
    super(`${registry} registry: invalid ${kind} ${JSON.stringify(value)}: use 1 to 200 letters, digits, ".", "_" or "-", starting with a letter or digit`);
    this.name = "InvalidNameError";
  }
}

export function isName(value: unknown): value is string {
  return typeof value === "string" && NAME.test(value);
}

/** `value`, when it is a valid name; else an InvalidNameError naming `registry` and `kind`. */
export function checkName(registry: string, kind: NameKind, value: string): string {
  if (!isName(value)) throw new InvalidNameError(registry, kind, value);
  return value;
}

/** Checks the service's name and every node id, before anything is written. */
export function checkRegistration(registry: string, service: RegisteredService): void {
  checkName(registry, "service name", service.name);
  for (const node of service.nodes) checkName(registry, "node id", node.id);
}
