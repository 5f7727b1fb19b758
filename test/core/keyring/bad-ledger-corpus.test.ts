import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readLedgerFile } from "../../../lib/core/keyring/ledger-file";
import { main } from "../../../lib/cli/main";
import { fakeIo } from "../../support/fake-io";

const DIR = path.join(__dirname, "../../fixtures/bad-ledgers");

/** Each malformed ledger and the specific message it must be refused with. */
const EXPECTED: Record<string, RegExp> = {
  "schema-version-2": /schemaVersion: unsupported schemaVersion \(got 2\)\. Fix: this stemguard reads schemaVersion 1/,
  "wrong-kind": /kind: not a signing-keyring ledger \(got "stemguard\.tls-ca"\)/,
  "algorithm-uppercase": /algorithm: algorithm must be one of hmac-sha256, ed25519 \(lowercase\) \(got "HMAC-SHA256"\)/,
  "algorithm-unknown": /algorithm: algorithm must be one of .* \(got "rsa"\)/,
  "phase-negative": /phase: phase must be a whole number >= 1 \(a ledger starts with .stemguard rotate init.\) \(got -1\)/,
  "phase-mismatch": /phase: phase must equal the number of history steps \(2\) \(got 3\)/,
  "keys-not-array": /keys: expected a JSON array \(got "object"\)/,
  "key-id-colon": /keys\[0\]\.id: key id must match \[A-Za-z0-9\._-\]\+ .*\(got "k:1"\)/,
  "key-id-comma": /keys\[0\]\.id: key id must match .*\(got "k1,k2"\)/,
  "mixed-algorithms": /keys\[1\]\.algorithm: key algorithm differs from the keyring's hmac-sha256.*\(got "ed25519"\).*separate multi-phase procedure/,
  "unknown-state": /keys\[1\]\.state: state must be one of staged, active, retiring, retired \(got "pending"\)/,
  "duplicate-id": /keys\[1\]\.id: duplicate key id "k1" \(Stem would silently keep only the later entry\)/,
  "two-active": /keys: exactly one key must be active \(got \["k1","k2"\]\)/,
  "no-active": /keys: exactly one key must be active \(got \[\]\)/,
  "absent-to-active": /keys: keys do not match what history yields \(k1=active, k2=staged\); changed outside a step \(got "k1=retiring, k2=active"\)/,
  "history-gap": /history\[1\]\.phase: steps must be numbered 1, 2, 3, \.\.\. \(expected 2\) \(got 3\)/,
  "history-unknown-op": /history\[1\]\.op: op must be one of init, stage, activate, retire, enforce, verify-only-workers, sign-workers \(got "promote"\)/,
  "history-illegal-step": /history: history does not replay: activate k2: only a staged key can be activated/,
  "verify-only-hmac": /verifyOnlyWorkers: verifyOnlyWorkers applies to ed25519 only/,
  "root-array": /\(root\): expected a JSON object \(got "array"\)/,
  "not-json": /ledger is not valid JSON/,
};

describe("bad-ledger corpus", () => {
  test("every fixture has an expectation and vice versa", () => {
    const files = fs.readdirSync(DIR).map((f) => f.replace(/\.json$/, "")).sort();
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  test.each(Object.entries(EXPECTED))("fails on %s with a specific message", (name, message) => {
    const file = path.join(DIR, `${name}.json`);
    expect(() => readLedgerFile(file)).toThrow(message);
  });

  test.each(Object.keys(EXPECTED))("rotate stage on %s exits 64 and leaves the file untouched", async (name) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-ledger-"));
    const file = path.join(dir, "ledger.json");
    fs.copyFileSync(path.join(DIR, `${name}.json`), file);
    const before = fs.readFileSync(file);
    const io = fakeIo(dir);
    expect(await main(["rotate", "stage", "k9", "--ledger", file], io)).toBe(64);
    expect(io.err()).toMatch(EXPECTED[name]);
    expect(io.out()).toBe("");
    expect(fs.readFileSync(file)).toEqual(before);
    expect(fs.readdirSync(dir)).toEqual(["ledger.json"]); // no temp file left behind
  });

  test("fails with the path and a fix when the ledger is missing", () => {
    expect(() => readLedgerFile("/nonexistent/stemguard.rotation.json")).toThrow(
      /--ledger: ledger file does not exist \(got "\/nonexistent\/stemguard\.rotation\.json"\)\. Fix: create one with 'stemguard rotate init <key-id>'/,
    );
  });
});
