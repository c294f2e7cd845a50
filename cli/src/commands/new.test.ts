/**
 * `micro new`'s checks of the name, before anything is written: one line saying what is wrong.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ROOT } from "../../../scripts/programs.mjs";
import { migrationVersion, nameProblem } from "./new.js";

test("new - a name must be lowercase letters, digits and single dashes, not the gateway's, not an existing service", () => {
  for (const name of ["payments", "gift-cards", "v2", "a1-b2"]) assert.equal(nameProblem(name, ROOT), undefined, name);
  for (const name of ["Payments", "2fa", "-x", "x-", "a--b", "a_b", "a.b", "", "pay ments", "ünï"]) {
    assert.match(nameProblem(name, ROOT) ?? "", /is not a service name: use lowercase letters, digits and single dashes, starting with a letter/, name);
  }
  assert.equal(nameProblem("gateway", ROOT), "gateway is the gateway's name; choose another");
  assert.equal(nameProblem("users", ROOT), "services/users already exists; choose another name");
  assert.match(nameProblem("a".repeat(41), ROOT) ?? "", /longer than 40 characters/);
});

test("new - the migration's version is the UTC time as 14 digits, as the migrations' file names start", () => {
  assert.equal(migrationVersion(new Date("2027-03-04T05:06:07.890Z")), "20270304050607");
});
