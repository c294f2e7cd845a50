/**
 * The system a fuzz run aims at: the four programs started here as `npm start` starts them (on
 * a private data folder and a free port, auth off or on), or one already running at a URL. Either
 * way it answers the liveness question asked after the run: is every program still running, and
 * is the gateway still ready?
 */
import { PROGRAMS, type Program, System } from "../harness.js";
import { send } from "../http.js";
import { type AuthProfile, newSecret } from "./tokens.js";

export interface Target {
  readonly url: string;
  readonly profile: AuthProfile;
  /** `auth off` or `auth on`. */
  readonly label: string;
  /** Every program that died and every readiness probe that failed, in one line each. */
  liveness(): Promise<string[]>;
  /** Kills one program (started here only): how the suite proves its liveness check sees a death. */
  kill?(program: Program): Promise<void>;
  close(): Promise<void>;
}

const TAIL_LINES = 8;

/**
 * Starts the four programs. With auth, the gateway and the services get fresh secrets: the
 * token secret, and the shared secret programs sign their calls to each other with. `dataDir`
 * lets a second start reuse the databases of the first (a restart takes seconds; three
 * initdbs take many).
 */
export async function startTarget(auth: boolean, dataDir?: string): Promise<Target> {
  const secret = auth ? newSecret() : undefined;
  const env: Record<string, string> = auth ? { AUTH: "on", AUTH_JWT_SECRET: secret ?? "", MICRO_AUTH_SECRET: newSecret() } : { AUTH: "off" };
  if (dataDir !== undefined) env.DATA_DIR = dataDir;
  const system = await System.start({ env });
  return {
    url: system.url,
    profile: { enabled: auth, secret },
    label: auth ? "auth on" : "auth off",
    liveness: async () => [...deaths(system), ...(await readiness(system.url))],
    kill: async (program) => void (await system.stop(program, "SIGKILL")),
    close: () => system.close(),
  };
}

/** A system someone else runs: only what its HTTP answers say can be checked. */
export function urlTarget(url: string, profile: AuthProfile): Target {
  return { url, profile, label: profile.enabled ? "auth on" : "auth off", liveness: () => readiness(url), close: async () => {} };
}

function deaths(system: System): string[] {
  return (Object.keys(PROGRAMS) as Program[])
    .filter((name) => !system.running(name))
    .map((name) => `${name} is no longer running; its last output:\n${tail(system.output(name))}`);
}

function tail(output: string): string {
  return output.trimEnd().split("\n").slice(-TAIL_LINES).map((line) => `    ${line.slice(0, 300)}`).join("\n");
}

async function readiness(url: string): Promise<string[]> {
  const problems: string[] = [];
  for (const path of ["/health", "/ready"]) {
    try {
      const reply = await send(url, "GET", path);
      if (reply.status !== 200) problems.push(`GET ${path} answered ${reply.status} after the run: ${reply.text.slice(0, 200)}`);
    } catch (error) {
      problems.push(`GET ${path} got no answer after the run: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return problems;
}
