import { diffLedgers } from "../../../lib/core/keyring/diff-ledgers";
import { planRoleEnv, roleEnvRevision } from "../../../lib/core/keyring/env-plan";
import { parseLedger, serializeLedger } from "../../../lib/core/keyring/ledger-file";
import { applyStep, initLedger, ledgerAtPhase } from "../../../lib/core/keyring/steps";
import type { SigningLedger } from "../../../lib/core/keyring/types";

const ed = applyStep(initLedger("ed25519", "k1"), "stage", "k2");
const workerSigns = (ledger: SigningLedger) => planRoleEnv(ledger, "worker").variables.some((v) => v.name === "STEM_SIGNING_PRIVATE_KEYS");

describe("worker-mode steps (verify-only-workers, sign-workers)", () => {
  test("switch Ed25519 workers to verify-only and back as phases of their own; only workers roll, and their revision moves", () => {
    const off = applyStep(ed, "verify-only-workers", "k1");
    expect(off).toMatchObject({ phase: 3, keys: ed.keys, verifyOnlyWorkers: true });
    expect(parseLedger(JSON.parse(serializeLedger(off)), "head")).toEqual(off);
    expect([workerSigns(ed), workerSigns(off)]).toEqual([true, false]);
    // The revision drives data_wo_revision / secret_string_wo_version: without a bump the new env is never written.
    expect([roleEnvRevision(ed, "worker"), roleEnvRevision(off, "worker"), roleEnvRevision(off, "producer")]).toEqual([2, 3, 2]);
    expect(diffLedgers(ed, off)).toEqual({
      kind: "step",
      step: { phase: 3, op: "verify-only-workers", keyId: "k1" },
      rolls: ["worker"],
      summary:
        "phase 2 -> 3: verify-only-workers: workers keep the public keys and lose the signing seed, so from this apply on Stem fails to re-sign retries and rate-limit requeues (docs/stem-compat.md §1.4). Rolls: worker.",
    });
    const on = applyStep(off, "sign-workers", "k1");
    expect(on.verifyOnlyWorkers).toBeUndefined(); // removed, not false: the file diff stays small
    expect(workerSigns(on)).toBe(true);
    expect(diffLedgers(off, on)).toMatchObject({ kind: "step", rolls: ["worker"], summary: expect.stringMatching(/sign-workers: workers get the active key's seed again/) });
    // Earlier phases keep the mode they had.
    expect(ledgerAtPhase(on, 3).verifyOnlyWorkers).toBe(true);
    expect(ledgerAtPhase(on, 2).verifyOnlyWorkers).toBeUndefined();
  });

  test("a ledger created verify-only replays its initial mode from the first mode step", () => {
    const created = initLedger("ed25519", "k1", { verifyOnlyWorkers: true });
    const on = applyStep(created, "sign-workers", "k1");
    expect(parseLedger(JSON.parse(serializeLedger(on)), "f")).toEqual(on);
    expect(ledgerAtPhase(on, 1).verifyOnlyWorkers).toBe(true);
  });

  test("fails producersFirst edited by hand without a step: it would switch worker verification on or off without enforce", () => {
    const adopting = initLedger("hmac-sha256", "k1", { producersFirst: true });
    const { producersFirst: _, ...edited } = adopting;
    expect(diffLedgers(adopting, edited)).toEqual({
      kind: "illegal",
      reason: "the signing-keyring ledger's settings fixed at init change; they are fixed when the ledger is created (start a new ledger instead)",
    });
  });

  test("fails the flag changed by hand, in a file or in a pull request", () => {
    // After a mode step the history fixes the mode; without one the flag is the mode init set, and review catches a flip.
    const { verifyOnlyWorkers: _, ...forged } = JSON.parse(serializeLedger(applyStep(ed, "verify-only-workers", "k1")));
    expect(() => parseLedger(forged, "f")).toThrow(/^f: verifyOnlyWorkers: verifyOnlyWorkers do not match what history yields \(true\); changed outside a step \(got "false"\)\. Fix: change the worker mode only with 'stemguard rotate workers --sign\|--verify-only'/);
    expect(diffLedgers(ed, { ...ed, verifyOnlyWorkers: true })).toEqual({
      kind: "illegal",
      reason: "the signing-keyring ledger's settings fixed at init change; they are fixed when the ledger is created (start a new ledger instead)",
    });
    expect(diffLedgers(ed, { ...applyStep(ed, "activate", "k2"), verifyOnlyWorkers: true })).toMatchObject({
      kind: "illegal",
      reason: "the signing-keyring ledger's settings fixed at init change; they are fixed when the ledger is created (start a new ledger instead)",
    });
  });

  test("fails on an HMAC keyring, on a switch to the mode already set, and on a key other than the active one", () => {
    expect(() => applyStep(initLedger("hmac-sha256", "k1"), "verify-only-workers", "k1")).toThrow(
      /^verify-only-workers k1: workers of an hmac-sha256 keyring always hold the shared secrets .*\(got "hmac-sha256"\)\. Fix: nothing to change/,
    );
    expect(() => applyStep(ed, "sign-workers", "k1")).toThrow(/^sign-workers k1: workers are already signing \(got "signing"\)/);
    // Before enforce, producers-first workers have signing off: there is no mode to change yet.
    const adopting = initLedger("ed25519", "k1", { producersFirst: true });
    expect(() => applyStep(adopting, "verify-only-workers", "k1")).toThrow(/^verify-only-workers k1: workers do not verify yet .*Fix: run 'stemguard rotate enforce' first/);
    expect(applyStep(applyStep(adopting, "enforce", "k1"), "verify-only-workers", "k1").verifyOnlyWorkers).toBe(true);
    expect(() => applyStep(ed, "verify-only-workers", "k2")).toThrow(/^verify-only-workers k2: verify-only-workers names the active key \("k1"\)/);
  });
});
