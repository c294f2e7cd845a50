/**
 * `--production`: the programs with every production feature on, as a deployment runs them, so
 * what those features cost is measured with the same runs as the rest. Auth verifies an HS256
 * token that the load generator sends on every request; the rate limiter counts every request (in
 * memory, against a limit one load generator cannot reach, since hitting it would measure 429s);
 * logs are at the default `info`; spans go over OTLP/HTTP to a sink in this process, which reads
 * and drops them as a collector would receive them.
 */
import { randomBytes } from "node:crypto";
import { type Server, createServer } from "node:http";
import { SignJWT } from "jose";
import { COMMON_ENV } from "./configs.js";

/** The gateway's highest allowed RATE_LIMIT_MAX per one-second window. */
const UNREACHABLE_RATE_LIMIT = 1_000_000;

export interface Production {
  /** What every program of a non-direct configuration adds to its environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Headers every request of the load generator carries. */
  readonly headers: Readonly<Record<string, string>>;
  /** Span batches and bytes the sink received so far. */
  received(): { batches: number; bytes: number };
  close(): Promise<void>;
}

/**
 * `--auth`: auth alone, everything else as without flags, so what verifying tokens and signing
 * and verifying call credentials costs stands apart from logging and span export.
 */
export async function startAuthOnly(): Promise<Production> {
  const { secret, token } = await adminToken();
  return {
    env: { ...COMMON_ENV, AUTH: "on", AUTH_JWT_SECRET: secret, MICRO_AUTH_SECRET: randomBytes(32).toString("base64url") },
    headers: { authorization: `Bearer ${token}` },
    received: () => ({ batches: 0, bytes: 0 }),
    close: async () => undefined,
  };
}

/** A secret made for the run, and an admin token signed with it that lives longer than any run. */
async function adminToken(): Promise<{ secret: string; token: string }> {
  const secret = randomBytes(32).toString("base64url");
  const token = await new SignJWT({ roles: ["admin"] })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("bench")
    .setIssuedAt()
    .setExpirationTime("12h")
    .sign(new TextEncoder().encode(secret));
  return { secret, token };
}

export async function startProduction(): Promise<Production> {
  const { secret, token } = await adminToken();
  let batches = 0;
  let bytes = 0;
  const sink: Server = createServer((request, response) => {
    request.on("data", (chunk: Buffer) => (bytes += chunk.length));
    request.on("end", () => {
      batches++;
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
  const address = sink.address();
  if (typeof address !== "object" || address === null) throw new Error("the OTLP sink has no address");
  return {
    env: {
      AUTH: "on",
      AUTH_JWT_SECRET: secret,
      // Every program signs and verifies call credentials: part of what production mode costs.
      MICRO_AUTH_SECRET: randomBytes(32).toString("base64url"),
      RATE_LIMIT: "on",
      RATE_LIMIT_MAX: String(UNREACHABLE_RATE_LIMIT),
      LOG_LEVEL: "info",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${address.port}`,
    },
    headers: { authorization: `Bearer ${token}` },
    received: () => ({ batches, bytes }),
    close: () => new Promise<void>((resolve) => sink.close(() => resolve())),
  };
}
