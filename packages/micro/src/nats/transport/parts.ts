import { MAX_MESSAGE_BYTES } from "../../transport/index.js";
/**
 * Calls bigger than one NATS message. The server's max payload (1 MiB by default, headers
 * included) is below what RPC bodies may be, so a large body travels in parts, each its own
 * request/reply, which keeps no-responders detection and ordering per part:
 * - upload: parts `0..n-2` are each acknowledged by the node, which holds them by call id; the last
 *   part carries the call's headers and `micro-parts: n`, and its reply is the call's reply;
 * - download: a reply too big for one message is answered with its first part and
 *   `micro-parts: n`; the caller fetches parts `1..n-1`, which the node holds until fetched or idle.
 * Small calls, nearly all of them, are one request and one reply, as before.
 */

/** The server's max payload when it has not said (the NATS default). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
/** A held upload or reply that nobody continues within this long is dropped. */
export const PART_IDLE_MS = 30_000;
/** Above this many parts a reply is refused, so a wrong header cannot make a caller loop. */
export const MAX_PARTS = 1024;

/** Half the max payload per part leaves the other half for the call's headers. */
export function partBytes(maxPayload: number): number {
  return Math.max(1, Math.floor(maxPayload / 2));
}

export function split(body: Uint8Array, size: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < body.byteLength; offset += size) parts.push(body.subarray(offset, offset + size));
  return parts.length > 0 ? parts : [body];
}

interface Held {
  readonly parts: Uint8Array[];
  bytes: number;
  timer: NodeJS.Timeout;
}

/** Parts held by call id, each entry dropped when idle for PART_IDLE_MS. */
class PartStore {
  private readonly held = new Map<string, Held>();

  protected get(id: string): Held | undefined {
    const entry = this.held.get(id);
    entry?.timer.refresh();
    return entry;
  }

  protected hold(id: string, parts: Uint8Array[]): Held {
    const timer = setTimeout(() => this.held.delete(id), PART_IDLE_MS);
    timer.unref();
    const entry = { parts, bytes: parts.reduce((n, p) => n + p.byteLength, 0), timer };
    this.held.set(id, entry);
    return entry;
  }

  protected drop(id: string): void {
    const entry = this.held.get(id);
    if (entry) clearTimeout(entry.timer);
    this.held.delete(id);
  }

  clear(): void {
    for (const entry of this.held.values()) clearTimeout(entry.timer);
    this.held.clear();
  }
}

/** The node's side of uploads. */
export class Uploads extends PartStore {
  /** Holds part `index` of call `id`; false when the call is out of order or past MAX_MESSAGE_BYTES. */
  add(id: string, index: number, part: Uint8Array): boolean {
    const entry = this.get(id) ?? (index === 0 ? this.hold(id, []) : undefined);
    if (!entry || entry.parts.length !== index || entry.bytes + part.byteLength > MAX_MESSAGE_BYTES) {
      this.drop(id);
      return false;
    }
    // Copied: the part must outlive the message buffer it arrived in.
    entry.parts.push(Uint8Array.from(part));
    entry.bytes += part.byteLength;
    return true;
  }

  /** The whole body once the last of `count` parts arrives, or why there is none. */
  complete(id: string, count: number, last: Uint8Array): Uint8Array | "incomplete" | "too large" {
    const entry = this.get(id);
    this.drop(id);
    if (!entry || entry.parts.length !== count - 1) return "incomplete";
    if (entry.bytes + last.byteLength > MAX_MESSAGE_BYTES) return "too large";
    return Buffer.concat([...entry.parts, last]);
  }
}

/** The node's side of replies sent in parts. */
export class Downloads extends PartStore {
  /** Holds `parts` (all but the first, which goes out at once) under `id`. */
  put(id: string, parts: Uint8Array[]): void {
    this.hold(id, parts);
  }

  /** Part `index` (1-based among the held ones); the entry goes once its last part is fetched. */
  fetch(id: string, index: number): Uint8Array | undefined {
    const entry = this.get(id);
    const part = entry?.parts[index - 1];
    if (entry && index === entry.parts.length) this.drop(id);
    return part;
  }
}
