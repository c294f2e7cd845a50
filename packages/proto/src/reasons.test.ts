/**
 * The two reasons tables, the toolkit's and the application's, make one namespace on the wire: a
 * client tells errors apart by reason alone, so no word may mean two things.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { MICRO_REASONS, REASON_PATTERN, isReason } from "@gw/micro";
import { APP_REASONS } from "./reasons.js";

describe("reasons", () => {
  it("reasons - every reason of both tables is a snake_case word that a caller would pass on", () => {
    for (const reason of [...Object.keys(MICRO_REASONS), ...Object.keys(APP_REASONS)]) {
      assert.match(reason, REASON_PATTERN);
      assert.ok(isReason(reason), `${reason} would be dropped by fromWire`);
    }
  });

  it("reasons - the two tables share no reason", () => {
    const all = [...Object.keys(MICRO_REASONS), ...Object.keys(APP_REASONS)];
    const shared = Object.keys(APP_REASONS).filter((reason) => Object.hasOwn(MICRO_REASONS, reason));
    assert.deepEqual(shared, []);
    assert.equal(new Set(all).size, all.length);
  });

  it("reasons - the README's list has every reason with its codes, and no other", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const section = readme.split("### Error reasons")[1]?.split(/\n##/)[0] ?? "";
    const listed = new Map([...section.matchAll(/^\| `([a-z0-9_]+)` \| ([0-9, ]+) \|/gm)].map((m) => [m[1], m[2]]));
    const tables = { ...MICRO_REASONS, ...APP_REASONS };
    assert.deepEqual([...listed.keys()].sort(), Object.keys(tables).sort());
    for (const [reason, entry] of Object.entries(tables)) assert.equal(listed.get(reason), entry.status.join(", "), reason);
  });

  it("reasons - each application reason has its codes (4xx or 5xx) and a meaning", () => {
    for (const [reason, entry] of Object.entries(APP_REASONS)) {
      assert.ok(entry.status.length > 0 && entry.status.every((code) => code >= 400 && code <= 599), reason);
      assert.ok(entry.meaning.length > 0, reason);
    }
  });
});
