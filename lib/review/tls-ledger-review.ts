import { diffTlsLedgers, type TlsLedgerDiff } from "../core/tls/ca-ledger-diff";
import type { TlsCaLedger } from "../core/tls/ca-ledger-types";

export interface TlsLedgerReview {
  readonly diff: TlsLedgerDiff;
  /** Unchanged, or exactly one legal CA-rotation step. */
  readonly ok: boolean;
  /** Markdown for a pull-request comment. */
  readonly markdown: string;
}

/** The review of a CA ledger (`stemguard.tls.json`) change between the base branch and a pull request. */
export function reviewTlsLedgerChange(base: TlsCaLedger, head: TlsCaLedger, ledgerPath: string): TlsLedgerReview {
  const diff = diffTlsLedgers(base, head);
  let markdown: string;
  if (diff.kind === "unchanged") markdown = `**stemguard**: \`${ledgerPath}\` unchanged (phase ${diff.phase}).`;
  else if (diff.kind === "step") {
    const rolls = [diff.trustBundleChanges ? "trust bundle (every component)" : "", diff.leavesChange ? "server and client certificates" : ""].filter(Boolean);
    markdown = `**stemguard**: legal step. ${diff.summary} Rolls: ${rolls.join(", ") || "nothing"}.`;
  } else markdown = `**stemguard**: illegal change to \`${ledgerPath}\`: ${diff.reason}.`;
  return { diff, ok: diff.kind !== "illegal", markdown };
}
