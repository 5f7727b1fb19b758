import fc from "fast-check";
import { UNSIGNED, drillPhaseStates, runRotationDrill } from "../../../lib/core/drill/rotation-drill";
import { applyStep, initLedger } from "../../../lib/core/keyring/steps";
import { SIGNING_ALGORITHMS, type LedgerKey, type SigningLedger } from "../../../lib/core/keyring/types";
import { legalMoves } from "../keyring/ledger-model";

// Shorter walks than the step tests: each phase signs and verifies with real (pure-JS) Ed25519.
const drillWalkArb = fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 8 });

function walk(algorithm: SigningLedger["algorithm"], choices: number[], verifyOnlyWorkers = false): SigningLedger {
  let ledger = initLedger(algorithm, "k1", { verifyOnlyWorkers });
  for (const [i, choice] of choices.entries()) {
    const moves = legalMoves(ledger.keys, `k${i + 2}`, ledger); // Ed25519 walks also switch the worker mode
    const move = moves[choice % moves.length];
    ledger = applyStep(ledger, move.op, move.id);
  }
  return ledger;
}

const key = (id: string, state: LedgerKey["state"], algorithm: LedgerKey["algorithm"] = "hmac-sha256"): LedgerKey => ({ id, algorithm, state });

/** Phase states whose workers verify, from key lists. */
const verifying = (...phases: LedgerKey[][]) => phases.map((keys) => ({ keys, workersVerify: true, verifyOnlyWorkers: false }));

describe("rotation drill", () => {
  test("a full rotation drops nothing, and names the drain between activate and retire", () => {
    let ledger = initLedger("hmac-sha256", "k1");
    ledger = applyStep(ledger, "stage", "k2");
    ledger = applyStep(ledger, "activate", "k2");
    ledger = applyStep(ledger, "retire", "k1");
    const report = runRotationDrill(ledger);
    expect(report.failures).toEqual([]);
    expect(report.phases).toBe(4);
    // 4 envelopes x 3 signers x (2 or 3 neighbouring worker phases): 4*3*(2+3+3+2)
    expect(report.checks).toBe(120);
    // Messages signed with k1 in phases 1-2 are rejected from phase 4 (retire) on.
    expect(report.drains).toEqual([
      { signedAt: 1, keyId: "k1", rejectedFrom: 4 },
      { signedAt: 2, keyId: "k1", rejectedFrom: 4 },
    ]);
  });

  test("fails a forged rotation that activates a key no worker trusts yet, with Stem's message", () => {
    const report = drillPhaseStates(verifying([], [key("k1", "active")], [key("k1", "retiring"), key("k2", "active")]), { algorithm: "hmac-sha256" });
    expect(report.failures).toContainEqual({ signedAt: 2, signer: "producer", verifiedAt: 1, envelope: "drill.plain", message: 'unknown signing key "k2"' });
    expect(report.failures.every((f) => f.signedAt === 2 && f.verifiedAt === 1)).toBe(true);
  });

  test("fails a forged rotation that drops the active key from the trust list in one step", () => {
    const report = drillPhaseStates(verifying([], [key("k1", "active", "ed25519")], [key("k1", "retired", "ed25519"), key("k2", "active", "ed25519")]), { algorithm: "ed25519" });
    expect(report.failures.map((f) => f.message)).toContain('unknown signing key "k1"');
  });

  test("adopting a running fleet: producers sign first, workers enforce after the unsigned backlog drains", () => {
    let ledger = initLedger("hmac-sha256", "k1", { producersFirst: true });
    ledger = applyStep(ledger, "enforce", "k1");
    ledger = applyStep(ledger, "stage", "k2");
    const report = runRotationDrill(ledger);
    expect(report.failures).toEqual([]);
    // Unsigned messages from before stemguard (phase 0) and unsigned retries of
    // phase-1 workers are rejected once workers enforce (phase 2): drain them first.
    expect(report.drains).toEqual([
      { signedAt: 0, keyId: UNSIGNED, rejectedFrom: 2 },
      { signedAt: 1, keyId: UNSIGNED, rejectedFrom: 2 },
    ]);
  });

  test("adopting with verify-only workers names the same drains: unsigned worker retries before enforce", () => {
    const drains = (verifyOnlyWorkers: boolean) => {
      let ledger = initLedger("ed25519", "k1", { producersFirst: true, verifyOnlyWorkers });
      ledger = applyStep(applyStep(ledger, "stage", "k2"), "enforce", "k1");
      const report = runRotationDrill(ledger);
      expect(report.failures).toEqual([]);
      return report.drains;
    };
    expect(drains(true)).toEqual(drains(false));
    expect(drains(true)).toHaveLength(3);
  });

  test("names the drain when a forged sequence turns verification off again: unsigned retries meet verifying workers", () => {
    const states = [
      { keys: [], workersVerify: false, verifyOnlyWorkers: false },
      { keys: [key("k1", "active")], workersVerify: true, verifyOnlyWorkers: false },
      { keys: [key("k1", "active")], workersVerify: false, verifyOnlyWorkers: false },
    ];
    const report = drillPhaseStates(states, { algorithm: "hmac-sha256" });
    // Phase-2 workers stopped verifying: their unsigned retries meet phase-1 workers that verify.
    expect(report.drains).toContainEqual({ signedAt: 2, keyId: UNSIGNED, rejectedFrom: 1 });
  });

  test("verify-only Ed25519 workers: producers and beat are drilled, workers only verify", () => {
    const ledger = applyStep(applyStep(initLedger("ed25519", "k1", { verifyOnlyWorkers: true }), "stage", "k2"), "activate", "k2");
    const report = runRotationDrill(ledger);
    expect(report.failures).toEqual([]);
    expect(report.checks).toBe(4 * 2 * (2 + 3 + 2));
  });

  test("property: the drill never fails on random legal step sequences, for both algorithms", () => {
    fc.assert(
      fc.property(fc.constantFrom(...SIGNING_ALGORITHMS), drillWalkArb, fc.boolean(), (algorithm, choices, verifyOnly) => {
        const ledger = walk(algorithm, choices, verifyOnly && algorithm === "ed25519");
        const report = runRotationDrill(ledger);
        expect(report.failures).toEqual([]);
        expect(report.checks).toBeGreaterThan(0);
      }),
      { numRuns: 25 },
    );
  });
});
