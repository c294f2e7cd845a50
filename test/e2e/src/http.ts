/**
 * A small HTTP client for tests: method, path and JSON body in; status, headers and parsed
 * JSON body out. undici directly, so tests control framing (chunked bodies, no content-length).
 */
import type { Readable } from "node:stream";
import { request } from "undici";
import { isReason } from "@gw/micro";

export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON, or the raw text when the body is not JSON, or undefined when empty. */
  readonly body: unknown;
  readonly text: string;
}

export interface SendOptions {
  readonly headers?: Record<string, string>;
  /** A raw body, sent as is (no JSON encoding). */
  readonly raw?: string | Buffer | Readable;
  /** Fail (reject) when the response headers or body do not come within this long. @default undici's 300 s */
  readonly timeoutMs?: number;
}

export async function send(base: string, method: string, path: string, json?: unknown, options: SendOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | Buffer | Readable | undefined = options.raw;
  if (json !== undefined) {
    body = JSON.stringify(json);
    headers["content-type"] ??= "application/json";
  }
  const response = await request(base + path, {
    method: method as "GET",
    headers,
    ...(body === undefined ? {} : { body }),
    ...(options.timeoutMs === undefined ? {} : { headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs }),
  });
  const text = await response.body.text();
  let parsed: unknown = undefined;
  if (text.length > 0) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: response.statusCode, headers: response.headers, body: parsed, text };
}

/** The go-micro error shape with the HTTP status equal to its code, and maybe a reason (a snake_case word). */
export function isWireError(reply: Reply, code: number): boolean {
  const b = reply.body as Record<string, unknown> | undefined;
  return (
    reply.status === code &&
    typeof b === "object" &&
    b !== null &&
    b.code === code &&
    typeof b.id === "string" &&
    typeof b.detail === "string" &&
    typeof b.status === "string" &&
    ("reason" in b ? isReason(b.reason) && Object.keys(b).length === 5 : Object.keys(b).length === 4)
  );
}
