import { StemguardError } from "../errors";
import { diffSections, type SectionDiff } from "../ledger/diff";
import { signingSection } from "./steps";
import type { LedgerStep, SigningLedger } from "./types";

/** What changed between two ledgers (base branch vs pull request); `rolls` are role names. */
export type LedgerDiff = SectionDiff<LedgerStep>;

/**
 * Whether `head` is unchanged, exactly one legal step after `base`, or a safe
 * revert of base's last step. Both ledgers must already be valid (see parseLedger).
 */
export function diffLedgers(base: SigningLedger, head: SigningLedger): LedgerDiff {
  if (base.algorithm !== head.algorithm) {
    return {
      kind: "illegal",
      reason: `the algorithm changes from ${base.algorithm} to ${head.algorithm}; Stem has no overlap between algorithms, so this is a separate multi-phase procedure, never one diff`,
    };
  }
  let headSection;
  try {
    headSection = signingSection(head);
  } catch (err) {
    // A head that does not replay (a hand edit, an illegal appended step) is an illegal change, with the reason.
    if (err instanceof StemguardError) return { kind: "illegal", reason: err.message };
    throw err;
  }
  return diffSections(signingSection(base), headSection);
}
