/**
 * Which of the requested configurations can run here: PostgreSQL for `direct` and the distributed
 * ones, NATS with JetStream for the distributed ones. docs/architecture.md, "How it is tested": with CI=true a missing
 * server is a failure naming it; on a developer machine those configurations are left out with a
 * warning, so `--smoke` still measures `embedded`, which needs nothing.
 */
import { BASELINE, type ConfigDef, type Need, configByName } from "./configs.js";
import { probeNats } from "./nats.js";
import { probePostgres } from "./postgres.js";

export class PrerequisiteError extends Error {
  override readonly name = "PrerequisiteError";
}

export interface Skipped {
  readonly config: string;
  readonly reason: string;
}

export interface Usable {
  readonly configs: readonly ConfigDef[];
  readonly skipped: readonly Skipped[];
}

export async function usableConfigs(
  names: readonly string[],
  servers: { readonly postgresUrl: string; readonly natsUrl: string; readonly trees?: Readonly<Record<string, string>> },
  warn: (line: string) => void,
  ci = process.env.CI === "true",
): Promise<Usable> {
  const configs = names.map((name) => configByName(name, servers.trees));
  const needed = new Set<Need>(configs.flatMap((c) => c.needs));
  const missing = new Map<Need, string>();
  if (needed.has("postgres")) {
    const reason = await probePostgres(servers.postgresUrl);
    if (reason) missing.set("postgres", `${reason}; start it or pass --postgres URL`);
  }
  if (needed.has("nats")) {
    const reason = await probeNats(servers.natsUrl);
    if (reason) missing.set("nats", `${reason}; start it or pass --nats URL`);
  }
  const usable: ConfigDef[] = [];
  const skipped: Skipped[] = [];
  for (const config of configs) {
    const reasons = config.needs.flatMap((n) => missing.get(n) ?? []);
    if (reasons.length === 0) usable.push(config);
    else skipped.push({ config: config.name, reason: reasons.join("; ") });
  }
  if (skipped.length > 0 && ci) {
    throw new PrerequisiteError(skipped.map((s) => `${s.config}: ${s.reason}`).join("\n") + "\n(required when CI=true)");
  }
  for (const s of skipped) warn(`skipping ${s.config}: ${s.reason}`);
  if (usable.length === 0) throw new PrerequisiteError("no configuration can run here");
  if (!usable.some((c) => c.name === BASELINE)) warn(`no ${BASELINE} baseline in this run: ratios are left out`);
  return { configs: usable, skipped };
}
