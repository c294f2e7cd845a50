/**
 * The properties every answer must have, whatever was sent: an answer at all, no 5xx, the
 * error shape `{id, code, detail, status}` (and maybe `reason`) with `code` equal to the HTTP status on every
 * non-2xx, an `x-request-id` (the client's own when it sent a sane one), no leak, and a 405 with
 * `Allow` rather than a 404 for a wrong method on a route's path.
 *
 * Each violation carries a signature that groups the same fault across requests (status, error
 * id, detail with digits blanked), so a run reports each fault once with its count.
 */
import { isReason } from "@gw/micro";
import { findLeaks } from "./leaks.js";
import { type FuzzRequest, PARSER_METHODS } from "./request.js";
import type { Answer } from "./send.js";

export type ViolationKind = "no answer" | "5xx" | "error shape" | "request id" | "leak" | "method" | "state" | "process";

export interface Violation {
  readonly kind: ViolationKind;
  /** The same fault has the same signature, whichever request showed it. */
  readonly signature: string;
  /** What this request showed: the label of the request and the answer's words. */
  readonly detail: string;
}

/** The client's id is echoed when it is one header matching this (the gateway's own rule). */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function checkAnswer(request: FuzzRequest, answer: Answer): Violation[] {
  if (answer.status === 0) return [{ kind: "no answer", signature: `no answer: ${blank(answer.failure ?? "")}`, detail: answer.failure ?? "" }];
  return [...checkStatus(request, answer), ...checkShape(request, answer), ...checkRequestId(request, answer), ...checkLeaks(request, answer), ...checkMethod(request, answer)];
}

function checkStatus(request: FuzzRequest, answer: Answer): Violation[] {
  if (answer.status < 500) return [];
  return [{ kind: "5xx", signature: `${answer.status} ${errorWords(request, answer)}`, detail: answer.text.slice(0, 300) }];
}

/** The error shape on every answer that is not a success; HEAD answers and 304s carry no body by definition. */
function checkShape(request: FuzzRequest, answer: Answer): Violation[] {
  if (answer.status < 300 || answer.status === 304 || request.method === "HEAD") return [];
  const problem = shapeProblem(answer);
  if (problem === undefined) return [];
  return [{ kind: "error shape", signature: `${answer.status}: ${problem}`, detail: answer.text.slice(0, 300) }];
}

export function shapeProblem(answer: Answer): string | undefined {
  if (answer.text === "") return "empty body";
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return "body is not JSON";
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "body is not a JSON object";
  const b = body as Record<string, unknown>;
  const keys = Object.keys(b).sort().join(",");
  // `reason` is optional: an error may come without one.
  if (keys !== "code,detail,id,status" && keys !== "code,detail,id,reason,status") {
    const code = typeof b.code === "string" ? ` (code ${b.code})` : "";
    return `keys {${keys}} instead of {id,code,detail,status} and maybe reason${code}`;
  }
  if (typeof b.id !== "string" || typeof b.detail !== "string" || typeof b.status !== "string" || typeof b.code !== "number") return "a field of the wrong type";
  if ("reason" in b && !isReason(b.reason)) return "a reason that is not a snake_case word";
  if (b.code !== answer.status) return `code ${String(b.code)} differs from the HTTP status`;
  return undefined;
}

function checkRequestId(request: FuzzRequest, answer: Answer): Violation[] {
  const got = answer.headers["x-request-id"];
  if (typeof got !== "string" || got === "") return [{ kind: "request id", signature: `${answer.status}: no x-request-id`, detail: request.label }];
  const sent = request.headers.filter(([n]) => n.toLowerCase() === "x-request-id").map(([, v]) => v);
  const [only] = sent;
  // A 431's headers were too large to be read whole: the gateway echoes the id only when it could
  // read it, and must still send one of its own, as checked above.
  const readable = answer.status !== 431;
  if (readable && request.wire === undefined && sent.length === 1 && only !== undefined && SANE_REQUEST_ID.test(only) && got !== only) {
    return [{ kind: "request id", signature: `${answer.status}: the client's sane x-request-id not echoed`, detail: `sent ${only}, got ${got}` }];
  }
  return [];
}

function checkLeaks(request: FuzzRequest, answer: Answer): Violation[] {
  const texts: Array<[string, string]> = [["body", answer.text]];
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value !== undefined) texts.push([name, Array.isArray(value) ? value.join("\n") : value]);
  }
  return findLeaks(request, texts, answer.status >= 300).map((leak) => ({
    kind: "leak",
    signature: `${leak.family} (${leak.name}) in ${leak.where === "body" ? "the body" : `header ${leak.where}`} of a ${answer.status}`,
    detail: leak.match,
  }));
}

/** A method the parser accepts, on a path with a route's shape, that the route does not answer: 405 with Allow. */
function checkMethod(request: FuzzRequest, answer: Answer): Violation[] {
  const allowed = request.allowed;
  if (allowed === undefined || allowed.includes(request.method) || !PARSER_METHODS.has(request.method) || request.method === "CONNECT") return [];
  if (answer.status === 404) return [{ kind: "method", signature: "wrong method on a route's path answered 404, not 405", detail: request.label }];
  if (answer.status === 405 && answer.headers.allow === undefined) return [{ kind: "method", signature: "405 without Allow", detail: request.label }];
  return [];
}

/** The names of the programs: kept in signatures even when the request also names them. */
const PROGRAMS = new Set(["gateway", "users", "products", "orders"]);

/**
 * The error's id and detail with numbers and the request's own words blanked (an unknown
 * service's name, say), so one fault reached with many inputs has one signature.
 */
function errorWords(request: FuzzRequest, answer: Answer): string {
  const own = new Set([request.target, ...stringValues(request.body)].join(" ").match(/[A-Za-z_][\w.-]*/g) ?? []);
  const words = (text: string) => blank(text.replace(/[A-Za-z_][\w.-]*/g, (w) => (own.has(w) && !PROGRAMS.has(w) ? "<input>" : w)));
  try {
    const body = JSON.parse(answer.text) as { id?: unknown; detail?: unknown };
    if (typeof body.detail === "string") return `${words(String(body.id))}: ${words(body.detail)}`;
  } catch {
    // Not JSON: the start of the text says what it is.
  }
  return blank(answer.text.slice(0, 60));
}

/** The string values of a JSON body (not its keys), a few levels deep. */
function stringValues(body: FuzzRequest["body"]): string[] {
  if (typeof body !== "string") return [];
  const found: string[] = [];
  const walk = (value: unknown, depth: number) => {
    if (typeof value === "string") found.push(value);
    else if (value !== null && typeof value === "object" && depth < 4) for (const v of Object.values(value)) walk(v, depth + 1);
  };
  try {
    walk(JSON.parse(body), 0);
  } catch {
    // Not JSON, or too deep to parse: no values to blank.
  }
  return found;
}

function blank(text: string): string {
  return text.replace(/\d+/g, "N").slice(0, 100);
}
