/**
 * The deployment files as the tests read them: paths from the repository root, YAML with merge
 * keys (docker-compose.yml shares blocks with `<<`), every document of a multi-document file,
 * and the YAML files of a folder tree.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { ROOT } from "../harness.js";

export { ROOT };

export function repoPath(...parts: string[]): string {
  return join(ROOT, ...parts);
}

/** A path as the tests name it: relative to the repository root, with forward slashes. */
export function fromRoot(path: string): string {
  return relative(ROOT, path).split("\\").join("/");
}

export function readText(...parts: string[]): string {
  return readFileSync(repoPath(...parts), "utf8");
}

/** One YAML document; a syntax error or a duplicate key throws, naming the file. */
export function readYaml(path: string): unknown {
  try {
    return parse(readFileSync(path, "utf8"), { merge: true, uniqueKeys: true, prettyErrors: true });
  } catch (error) {
    throw new Error(`${fromRoot(path)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** Every non-empty document of a `---`-separated file. */
export function readYamlDocuments(path: string): unknown[] {
  const documents = parseAllDocuments(readFileSync(path, "utf8"), { merge: true, uniqueKeys: true, prettyErrors: true });
  if (!Array.isArray(documents)) return [];
  const values: unknown[] = [];
  for (const document of documents) {
    const problem = document.errors[0];
    if (problem !== undefined) throw new Error(`${fromRoot(path)}: ${problem.message}`, { cause: problem });
    const value: unknown = document.toJS();
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

/** `.yaml` and `.yml` files under `dir`, recursively, in a stable order. */
export function yamlFilesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...yamlFilesUnder(path));
    else if (/\.ya?ml$/.test(entry.name)) found.push(path);
  }
  return found.sort();
}
