import fc from "fast-check";
import { StemguardError } from "../../../lib/core/errors";
import { parseLedger, serializeLedger } from "../../../lib/core/keyring/ledger-file";
import { applyStep, initLedger, ledgerAtPhase, replayPhases } from "../../../lib/core/keyring/steps";
import { SIGNING_ALGORITHMS, STEP_OPS, type SigningLedger } from "../../../lib/core/keyring/types";
import { isLegal, legalMoves, walkArb } from "./ledger-model";

function walk(algorithm: (typeof SIGNING_ALGORITHMS)[number], choices: number[]): SigningLedger {
  let ledger = initLedger(algorithm, "k1");
  for (const [i, choice] of choices.entries()) {
    const moves = legalMoves(ledger.keys, `k${i + 2}`, ledger);
    const move = moves[choice % moves.length];
    ledger = applyStep(ledger, move.op, move.id);
  }
  return ledger;
}

describe("rotation steps", () => {
  test("stage, activate, retire moves a key through the states", () => {
    let ledger = initLedger("hmac-sha256", "k1");
    ledger = applyStep(ledger, "stage", "k2");
    expect(ledger.keys.map((k) => `${k.id}=${k.state}`)).toEqual(["k1=active", "k2=staged"]);
    ledger = applyStep(ledger, "activate", "k2");
    expect(ledger.keys.map((k) => `${k.id}=${k.state}`)).toEqual(["k1=retiring", "k2=active"]);
    ledger = applyStep(ledger, "retire", "k1");
    expect(ledger.keys.map((k) => `${k.id}=${k.state}`)).toEqual(["k1=retired", "k2=active"]);
    expect(ledger.phase).toBe(4);
    expect(ledger.history.map((s) => `${s.phase}:${s.op}:${s.keyId}`)).toEqual(["1:init:k1", "2:stage:k2", "3:activate:k2", "4:retire:k1"]);
  });

  test("fails to activate a key that is not staged, naming the state and the fix", () => {
    const ledger = initLedger("hmac-sha256", "k1");
    expect(() => applyStep(ledger, "activate", "k2")).toThrow(/activate k2: only a staged key can be activated .*\(got "absent"\)\. Fix: run 'stemguard rotate stage k2' first/);
  });

  test("fails to retire the active key", () => {
    expect(() => applyStep(initLedger("ed25519", "k1"), "retire", "k1")).toThrow(/only a retiring key \(after drain\) or a staged key \(never used to sign\) can be retired.*\(got "active"\).*stage and activate a new key/);
  });

  test("fails to reuse a key id, even a retired one", () => {
    let ledger = initLedger("hmac-sha256", "k1");
    ledger = applyStep(applyStep(applyStep(ledger, "stage", "k2"), "activate", "k2"), "retire", "k1");
    expect(() => applyStep(ledger, "stage", "k1")).toThrow(/key id "k1" is already in the ledger \(state retired\); ids are never reused/);
  });

  test("withdraws a staged key that never signed, which frees the way for another", () => {
    const ledger = applyStep(applyStep(initLedger("hmac-sha256", "k1"), "stage", "k2"), "retire", "k2");
    expect(ledger.keys.map((k) => `${k.id}=${k.state}`)).toEqual(["k1=active", "k2=retired"]);
    expect(applyStep(ledger, "stage", "k3").keys.map((k) => k.state)).toEqual(["active", "retired", "staged"]);
  });

  test("fails to stage a second key while one is staged", () => {
    const ledger = applyStep(initLedger("hmac-sha256", "k1"), "stage", "k2");
    expect(() => applyStep(ledger, "stage", "k3")).toThrow(/key "k2" is already staged; one rotation at a time/);
  });

  test("fails to activate while a key is still retiring (two drain windows)", () => {
    let ledger = applyStep(applyStep(initLedger("hmac-sha256", "k1"), "stage", "k2"), "activate", "k2");
    ledger = applyStep(ledger, "stage", "k3");
    expect(() => applyStep(ledger, "activate", "k3")).toThrow(/key "k1" is still retiring; two drain windows cannot overlap/);
  });

  test("fails on ids Stem's key-list grammar cannot carry", () => {
    for (const id of ["k:1", "k,1", "k 1", "", "ключ"]) {
      expect(() => initLedger("hmac-sha256", id)).toThrow(StemguardError);
    }
  });

  test("fails to init a ledger that already has keys", () => {
    expect(() => applyStep(initLedger("hmac-sha256", "k1"), "init", "k2")).toThrow(/the ledger already has keys/);
  });

  test("property: random legal step sequences keep every invariant and round-trip through the file format", () => {
    fc.assert(
      fc.property(fc.constantFrom(...SIGNING_ALGORITHMS), walkArb, (algorithm, choices) => {
        const ledger = walk(algorithm, choices);
        expect(ledger.keys.filter((k) => k.state === "active")).toHaveLength(1);
        expect(new Set(ledger.keys.map((k) => k.id)).size).toBe(ledger.keys.length);
        expect(ledger.history).toHaveLength(ledger.phase);
        expect(replayPhases(ledger).at(-1)).toEqual(ledger.keys);
        expect(parseLedger(JSON.parse(serializeLedger(ledger)))).toEqual(ledger);
        expect(ledgerAtPhase(ledger, ledger.phase)).toEqual(ledger);
      }),
      { numRuns: 200 },
    );
  });

  test("property: a random step is refused exactly when the reference model says it is illegal", () => {
    const idArb = fc.oneof(fc.constantFrom("k1", "k2", "k3", "k4", "new"), fc.string({ maxLength: 4 }));
    fc.assert(
      fc.property(fc.constantFrom(...SIGNING_ALGORITHMS), walkArb, fc.constantFrom(...STEP_OPS), idArb, (algorithm, choices, op, id) => {
        const ledger = walk(algorithm, choices);
        const legal = isLegal(ledger.keys, op, id, ledger);
        if (legal) {
          expect(applyStep(ledger, op, id).phase).toBe(ledger.phase + 1);
        } else {
          const before = serializeLedger(ledger);
          expect(() => applyStep(ledger, op, id)).toThrow(StemguardError);
          expect(serializeLedger(ledger)).toBe(before); // nothing modified on failure
        }
      }),
      { numRuns: 500 },
    );
  });
});
