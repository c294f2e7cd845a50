/**
 * What the system holds, as the contract lists it: every user, product and order, read page by
 * page. Taken before and after a refused write, two snapshots must be equal.
 */
import type { FuzzRequest } from "./request.js";
import type { Answer } from "./send.js";

const LISTS = ["users", "products", "orders"] as const;
const PAGE = 500;
/** 20,000 rows per list: far more than a fuzz run creates; past it the snapshot is incomplete and says so. */
const MAX_PAGES = 40;

/** `users/3` to the row's JSON. */
export type Snapshot = ReadonlyMap<string, string>;

/** The GETs a snapshot sends: made by the caller, so they are checked and counted like every other request. */
export function listRequest(list: string, offset: number, authorization: string | undefined): FuzzRequest {
  return {
    label: `snapshot GET /${list}`,
    method: "GET",
    target: `/${list}?limit=${PAGE}&offset=${offset}`,
    headers: authorization === undefined ? [] : [["authorization", authorization]],
  };
}

/** Every row of every list, or undefined when a page did not come back as a 200 list. */
export async function snapshot(get: (request: FuzzRequest) => Promise<Answer>, authorization: string | undefined): Promise<Snapshot | undefined> {
  const rows = new Map<string, string>();
  for (const list of LISTS) {
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await get(listRequest(list, page * PAGE, authorization));
      const items = answer.status === 200 ? itemsOf(answer.text, list) : undefined;
      if (items === undefined) return undefined;
      for (const item of items) rows.set(`${list}/${String(item.id)}`, JSON.stringify(item));
      if (items.length < PAGE) break;
    }
  }
  return rows;
}

function itemsOf(text: string, list: string): Array<{ id?: unknown }> | undefined {
  try {
    const items = (JSON.parse(text) as Record<string, unknown>)[list];
    return Array.isArray(items) ? (items as Array<{ id?: unknown }>) : undefined;
  } catch {
    return undefined;
  }
}

/** What changed from `before` to `after`, in a few words, or undefined when nothing did. */
export function difference(before: Snapshot, after: Snapshot): string | undefined {
  const changes: string[] = [];
  for (const [key, row] of after) {
    if (!before.has(key)) changes.push(`${key} created`);
    else if (before.get(key) !== row) changes.push(`${key} changed`);
  }
  for (const key of before.keys()) if (!after.has(key)) changes.push(`${key} deleted`);
  if (changes.length === 0) return undefined;
  return changes.length <= 3 ? changes.join(", ") : `${changes.slice(0, 3).join(", ")} and ${changes.length - 3} more`;
}
