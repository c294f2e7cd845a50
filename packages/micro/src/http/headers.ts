/**
 * How the HTTP transport lays a call out in headers. Metadata values are URI-encoded so any
 * string survives HTTP's header character rules.
 */
import type { Metadata } from "../metadata/index.js";

export const SERVICE_HEADER = "micro-service";
export const ENDPOINT_HEADER = "micro-endpoint";
/** The call's deadline, epoch milliseconds. */
export const DEADLINE_HEADER = "micro-deadline";
export const ERROR_HEADER = "micro-error";
export const METADATA_PREFIX = "micro-md-";

export function metadataToHeaders(metadata: Metadata, headers: Record<string, string>): void {
  for (const key in metadata) {
    const value = metadata[key];
    if (value !== undefined) headers[METADATA_PREFIX + key] = encodeURIComponent(value);
  }
}

export function metadataFromHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Metadata {
  const metadata: Record<string, string> = {};
  for (const name in headers) {
    if (!name.startsWith(METADATA_PREFIX)) continue;
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined) continue;
    try {
      metadata[name.slice(METADATA_PREFIX.length)] = decodeURIComponent(value);
    } catch {
      // A value that is not valid percent-encoding is dropped rather than failing the call.
    }
  }
  return metadata;
}
