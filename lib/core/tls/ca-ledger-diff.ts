import { StemguardError } from "../errors";
import { diffSections, type SectionDiff } from "../ledger/diff";
import { tlsSection } from "./ca-ledger";
import type { TlsCaLedger, TlsLedgerStep } from "./ca-ledger-types";

/** What changed between two CA ledgers (base branch vs pull request). */
export type TlsLedgerDiff = SectionDiff<TlsLedgerStep>;

/**
 * Whether `head` is unchanged, exactly one legal step after `base`, or a safe
 * revert of base's last step. Both ledgers must be valid (parseTlsLedger).
 */
export function diffTlsLedgers(base: TlsCaLedger, head: TlsCaLedger): TlsLedgerDiff {
  let headSection;
  try {
    headSection = tlsSection(head);
  } catch (err) {
    // A head that does not replay (a hand edit, an illegal appended step) is an illegal change, with the reason.
    if (err instanceof StemguardError) return { kind: "illegal", reason: err.message };
    throw err;
  }
  return diffSections(tlsSection(base), headSection);
}
