/**
 * A node's readiness as its admin server answers it (`GET /ready` at the node's `admin` metadata),
 * with a short timeout: a node that does not answer quickly is reported as such, not waited for.
 */
import { request } from "node:http";
import type { Node } from "@gw/micro";

export const DEFAULT_READY_TIMEOUT_MS = 1000;

export interface Readiness {
  readonly ready: boolean;
  /** Why not, in a few words: the node's own 503 detail, `connection refused`, `no answer within 1000 ms`. */
  readonly detail?: string;
}

export async function readinessOf(node: Node, timeoutMs: number): Promise<Readiness> {
  const admin = node.metadata.admin;
  if (admin === undefined || admin === "") return { ready: false, detail: "no admin address registered" };
  try {
    const { status, body } = await get(`http://${admin}/ready`, timeoutMs);
    if (status === 200) return { ready: true };
    return { ready: false, detail: `${status}: ${detailOf(body)}` };
  } catch (error) {
    return { ready: false, detail: problemOf(error, timeoutMs) };
  }
}

function detailOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { detail?: unknown };
    if (typeof parsed.detail === "string") return parsed.detail;
  } catch {
    // Not the error shape: show what came, briefly.
  }
  return body.replace(/\s+/g, " ").slice(0, 200);
}

class NoAnswer extends Error {}

function problemOf(error: unknown, timeoutMs: number): string {
  if (error instanceof NoAnswer) return `no answer within ${timeoutMs} ms`;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "its admin host does not resolve";
  return code ?? (error instanceof Error ? error.message : String(error));
}

/** One GET on its own connection (no agent keeps the process alive), abandoned after `timeoutMs`. */
function get(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "GET", agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
      });
      res.on("error", reject);
    });
    const timer = setTimeout(() => req.destroy(new NoAnswer()), timeoutMs);
    req.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}
