/**
 * The JSON codec: nesting is limited before parsing, by a loop that counts brackets instead of
 * recursing, and values JSON cannot carry fail as CodecError rather than whatever
 * JSON.stringify happened to throw.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodecError, MAX_JSON_DEPTH, NestingTooDeepError, jsonCodec, nestsDeeperThan } from "./index.js";

const bytes = (text: string) => Buffer.from(text);

/** `depth` arrays inside one another, the innermost holding `inner`. */
function arrays(depth: number, inner = ""): string {
  return "[".repeat(depth) + inner + "]".repeat(depth);
}

/** `depth` objects inside one another: `{"a":{"a":…{}}}`. */
function objects(depth: number): string {
  return '{"a":'.repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
}

describe("codec", () => {
  it("codec - the nesting check is exact at the limit for arrays, objects and both mixed", () => {
    for (const make of [arrays, objects, (d: number) => arrays(d - 1, "{}")]) {
      assert.equal(nestsDeeperThan(bytes(make(MAX_JSON_DEPTH)), MAX_JSON_DEPTH), false);
      assert.equal(nestsDeeperThan(bytes(make(MAX_JSON_DEPTH + 1)), MAX_JSON_DEPTH), true);
    }
    assert.equal(nestsDeeperThan(bytes('{"a":1,"b":[1,2,{"c":null}]}'), 2), true);
    assert.equal(nestsDeeperThan(bytes('{"a":1,"b":[1,2,{"c":null}]}'), 3), false);
    assert.equal(nestsDeeperThan(bytes("[[],[],[],[]]"), 2), false, "siblings do not add up");
  });

  it("codec - brackets inside strings, escaped quotes included, do not count", () => {
    const text = JSON.stringify({ s: "[[[[{{{{", t: 'quote \\" [[[[ \\\\', u: "\\\\" , v: "é[ü{" });
    assert.equal(nestsDeeperThan(bytes(text), 1), false);
    assert.equal(nestsDeeperThan(bytes(JSON.stringify(["\\", [["]]]]"]]])), 3), false);
    assert.equal(nestsDeeperThan(bytes(JSON.stringify(["\\", [["]]]]", []]]])), 3), true);
  });

  it("codec - a million levels are answered without recursion", () => {
    assert.equal(nestsDeeperThan(bytes(arrays(1_000_000)), MAX_JSON_DEPTH), true);
  });

  it("codec - decode refuses a body nested deeper than the limit, and takes one at the limit", () => {
    assert.throws(() => jsonCodec.decode(bytes(objects(5000))), (error: unknown) => {
      assert.ok(error instanceof NestingTooDeepError && error instanceof CodecError);
      assert.equal(error.maxDepth, MAX_JSON_DEPTH);
      return true;
    });
    assert.doesNotThrow(() => JSON.stringify(jsonCodec.decode(bytes(objects(MAX_JSON_DEPTH)))));
    assert.throws(() => jsonCodec.decode(bytes("{nope")), (error: unknown) => error instanceof CodecError && !(error instanceof NestingTooDeepError));
  });

  it("codec - encode turns what JSON cannot carry into a CodecError", () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 100_000; i++) deep = deep.a = {};
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    for (const value of [root, { n: 1n }, circular]) {
      assert.throws(() => jsonCodec.encode(value), (error: unknown) => error instanceof CodecError && error.cause instanceof Error);
    }
    assert.equal(jsonCodec.encode(undefined).toString(), "null");
  });
});
