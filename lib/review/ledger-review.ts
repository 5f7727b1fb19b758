import { diffLedgers, type LedgerDiff } from "../core/keyring/diff-ledgers";
import { formatPhaseTable } from "../core/keyring/phase-table";
import type { SigningLedger } from "../core/keyring/types";

export interface LedgerReview {
  readonly diff: LedgerDiff;
  /** Whether the pull request may merge: unchanged, or exactly one legal step. */
  readonly ok: boolean;
  /** Markdown for a pull-request comment. */
  readonly markdown: string;
}

/** The review of a ledger change between the base branch and a pull request. */
export function reviewLedgerChange(base: SigningLedger, head: SigningLedger, ledgerPath: string): LedgerReview {
  const diff = diffLedgers(base, head);
  const table = "```\n" + formatPhaseTable(head) + "\n```";
  let markdown: string;
  if (diff.kind === "unchanged") {
    markdown = `**stemguard**: \`${ledgerPath}\` unchanged (phase ${diff.phase}).`;
  } else if (diff.kind === "step") {
    const drain =
      diff.step.op === "activate"
        ? "\n\nAfter apply: wait until messages signed with the retiring key have drained (delayed tasks, retries, DLQ) before retiring it (`stemguard drill` names which phases' messages must drain)."
        : "";
    markdown = `**stemguard**: legal step. ${diff.summary}${drain}\n\n${table}`;
  } else {
    markdown = `**stemguard**: illegal change to \`${ledgerPath}\`: ${diff.reason}.`;
  }
  return { diff, ok: diff.kind !== "illegal", markdown };
}
