import { diffLedgers } from "../../../lib/core/keyring/diff-ledgers";
import { applyStep, initLedger } from "../../../lib/core/keyring/steps";
import type { SigningLedger } from "../../../lib/core/keyring/types";

const l1 = initLedger("hmac-sha256", "k1");
const l2 = applyStep(l1, "stage", "k2");
const l3 = applyStep(l2, "activate", "k2");
const l4 = applyStep(l3, "retire", "k1");

describe("diffLedgers", () => {
  test("names the one legal step, what it means and what rolls", () => {
    const diff = diffLedgers(l2, l3);
    expect(diff).toEqual({
      kind: "step",
      step: { phase: 3, op: "activate", keyId: "k2" },
      rolls: ["producer", "worker", "beat"],
      summary:
        'phase 2 -> 3: activate "k2": every signer switches to it; the previous key is retiring (drain before retiring it). Rolls: producer, worker, beat.',
    });
    expect(diffLedgers(l3, l4)).toMatchObject({ kind: "step", step: { op: "retire", keyId: "k1" } });
  });

  test("reports an unchanged ledger", () => {
    expect(diffLedgers(l2, l2)).toEqual({ kind: "unchanged", phase: 2 });
  });

  test("fails a pull request that skips a step", () => {
    expect(diffLedgers(l1, l3)).toEqual({
      kind: "illegal",
      reason: "2 steps in one pull request (stage k2, then activate k2); split it: one step per pull request, one apply per phase",
    });
  });

  test("fails a pull request that rewrites history", () => {
    const other = applyStep(l1, "stage", "k9");
    expect(diffLedgers(l2, other)).toMatchObject({ kind: "illegal", reason: expect.stringMatching(/history differs at phase 2 \(stage k2 on base, stage k9 here\)/) });
  });

  test("fails a pull request that goes back two phases; one back is a revert", () => {
    expect(diffLedgers(l3, l1)).toMatchObject({ kind: "illegal", reason: expect.stringMatching(/goes back 2 phases .*only the last step may be reverted/) });
    expect(diffLedgers(l3, l2)).toMatchObject({ kind: "revert" });
  });

  test("fails a switch of algorithm in one diff", () => {
    const ed: SigningLedger = initLedger("ed25519", "k1");
    expect(diffLedgers(l1, ed)).toMatchObject({ kind: "illegal", reason: expect.stringMatching(/algorithm changes from hmac-sha256 to ed25519/) });
  });

  test("fails a head whose history does not replay, with the reason", () => {
    // A head built from a forged history: retire k1 directly after init.
    const forged: SigningLedger = { ...l1, phase: 2, history: [...l1.history, { phase: 2, op: "retire", keyId: "k1" }], keys: [{ id: "k1", algorithm: "hmac-sha256", state: "retired" }] };
    expect(diffLedgers(l1, forged)).toMatchObject({ kind: "illegal", reason: expect.stringMatching(/keys: exactly one key must be active/) });
    const replayed = { ...forged, keys: [{ id: "k1", algorithm: "hmac-sha256", state: "active" }] } as SigningLedger;
    expect(diffLedgers(l1, replayed)).toMatchObject({ kind: "illegal", reason: expect.stringMatching(/only a retiring key \(after drain\) or a staged key \(never used to sign\) can be retired/) });
  });
});
