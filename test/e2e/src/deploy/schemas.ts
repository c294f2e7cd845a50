/**
 * The JSON schemas the deployment files are validated against, vendored in deploy/schemas (see
 * its README for where they come from): the Compose Specification, and Kubernetes 1.30 objects
 * with unknown fields refused, as `kubectl apply --validate=strict` refuses them.
 */
import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { repoPath } from "./files.js";
import { isObj } from "./values.js";

const COMPOSE_SCHEMA = repoPath("deploy", "schemas", "compose-spec.json");
const KUBERNETES_SCHEMA = repoPath("deploy", "schemas", "kubernetes-1.30.json");
const KUBERNETES_ID = "kubernetes-1.30.json";

/**
 * Unknown keywords stay an error (strictSchema), so a schema Ajv would half-understand fails
 * loudly. Type strictness is off: both schemas are written for any validator, and use union
 * types and type-less branches that are valid JSON Schema.
 */
function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strictSchema: true, strictTypes: false, strictTuples: false });
  // The compose schema names its draft with https and no '#'; Ajv knows draft-07 by the http id.
  const draft7 = ajv.getSchema("http://json-schema.org/draft-07/schema");
  if (draft7 !== undefined && isObj(draft7.schema)) {
    ajv.addMetaSchema({ ...draft7.schema, $id: "https://json-schema.org/draft-07/schema" });
  }
  return ajv;
}

const ajv = newAjv();
ajv.addSchema(readJson(KUBERNETES_SCHEMA));

let compose: ValidateFunction | undefined;

export function composeValidator(): ValidateFunction {
  compose ??= ajv.compile(readJson(COMPOSE_SCHEMA));
  return compose;
}

/** The validator for a kind, or undefined when the vendored schema does not describe it. */
export function kubernetesValidator(kind: string): ValidateFunction | undefined {
  const definitions = ajv.getSchema(KUBERNETES_ID)?.schema;
  if (!isObj(definitions) || !isObj(definitions["definitions"]) || !(kind in definitions["definitions"])) return undefined;
  return ajv.getSchema(`${KUBERNETES_ID}#/definitions/${kind}`);
}

/** Ajv's findings, one per line, each with the path in the document it is about. */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => {
      const extra = e.keyword === "additionalProperties" ? ` (${String(e.params["additionalProperty"])})` : "";
      return `${e.instancePath || "/"} ${e.message ?? e.keyword}${extra}`;
    })
    .join("\n");
}

function readJson(path: string): object {
  const value: unknown = JSON.parse(readFileSync(path, "utf8"));
  if (!isObj(value)) throw new TypeError(`${path}: expected a JSON object`);
  return value;
}
