/**
 * Writes, or only compares, every file that depends on the list of services (files.ts).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nkeys } from "@nats-io/transport-node";
import { services } from "../../../scripts/programs.mjs";
import { type Context, type NKeyPair, generatedFiles } from "./files.js";

export interface Outcome {
  readonly path: string;
  /** What the generator writes. */
  readonly content: string;
  /** False when the file on disk already equals `content`. */
  readonly changed: boolean;
}

/** A new NATS NKey user, as `npm run nats-keys` makes them. */
export function newNKey(): NKeyPair {
  const pair = nkeys.createUser();
  return { publicKey: pair.getPublicKey(), seed: new TextDecoder().decode(pair.getSeed()) };
}

/** Every generated file under `root`, rendered from its folders; written too unless `dryRun`. */
export function generate(root: string, options: { readonly dryRun?: boolean } = {}): Outcome[] {
  const list = services(root);
  const context: Context = { root, services: list, newNKey };
  return generatedFiles(list).map((file) => {
    const path = join(root, file.path);
    const current = readOrUndefined(path);
    const content = file.render(current, context);
    const changed = content !== current;
    if (changed && !options.dryRun) writeFileSync(path, content);
    return { path: file.path, content, changed };
  });
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
