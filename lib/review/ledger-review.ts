import { diffSections, type SectionDiff } from "../core/ledger/diff";
import type { AnyLedgerSection } from "../core/ledger/document";
import type { StepRecord } from "../core/ledger/kind";
import { formatStatusTable } from "../core/ledger/table";
import { diffLedgers } from "../core/keyring/diff-ledgers";
import { diffTlsLedgers } from "../core/tls/ca-ledger-diff";
import { tlsSection } from "../core/tls/ca-ledger";
import type { TlsCaLedger } from "../core/tls/ca-ledger-types";
import { signingSection } from "../core/keyring/steps";
import type { SigningLedger } from "../core/keyring/types";

/** The verdict on one ledger section of a pull request. */
export interface LedgerReview {
  /** The ledger file, as the review names it. */
  readonly file: string;
  /** The kind's name (`signing-keyring`, `tls-ca`, ...). */
  readonly kind: string;
  /** Undefined when the ledger could not be compared (see `verdict: "invalid"`). */
  readonly diff?: SectionDiff;
  /** `invalid`: the ledger at head (or base) is missing, unparsable or hand-edited. */
  readonly verdict: "unchanged" | "step" | "revert" | "illegal" | "invalid";
  /** Whether this ledger may merge: unchanged, one legal step, or a safe revert. */
  readonly ok: boolean;
  /** Markdown for a pull-request comment. */
  readonly markdown: string;
  /** The step or revert this ledger takes (`stage k2`, `revert of stage-ca ca-2027`). */
  readonly step?: string;
}

/** The review of one section between the base branch and a pull request: the same text for every kind. */
export function reviewSection(base: AnyLedgerSection, head: AnyLedgerSection, file: string): LedgerReview {
  return reviewFromDiff(diffSections(base, head), head, file);
}

function reviewFromDiff(diff: SectionDiff, head: AnyLedgerSection, file: string): LedgerReview {
  const table = "```\n" + formatStatusTable(head.kind.table(head.state, head.options)) + "\n```";
  let markdown: string;
  if (diff.kind === "unchanged") {
    markdown = diff.cadence
      ? `**stemguard**: \`${file}\` takes no step (phase ${diff.phase}); its cadence changes: ${diff.cadence}. A policy change: nothing rolls.`
      : `**stemguard**: \`${file}\` unchanged (phase ${diff.phase}).`;
  }
  else if (diff.kind === "step") {
    const after = head.kind.steps[(diff.step as StepRecord).op].afterApply;
    markdown = `**stemguard**: legal step. ${diff.summary}${after ? `\n\n${after}` : ""}\n\n${table}`;
  } else if (diff.kind === "revert") markdown = `**stemguard**: legal revert. ${diff.summary}\n\n${table}`;
  else markdown = `**stemguard**: illegal change to \`${file}\`: ${"reason" in diff ? diff.reason : ""}.`;
  const step = "step" in diff ? `${diff.kind === "revert" ? "revert of " : ""}${head.kind.label(diff.step)}` : undefined;
  return { file, kind: head.kind.name, diff, verdict: diff.kind, ok: diff.kind !== "illegal", markdown, ...(step ? { step } : {}) };
}

/** A ledger that could not be reviewed (missing, unparsable, hand-edited): the check ran and failed. */
export function invalidLedgerReview(file: string, kind: string, problem: string): LedgerReview {
  return { file, kind, verdict: "invalid", ok: false, markdown: `**stemguard**: \`${file}\` cannot be reviewed: ${problem}` };
}

/** The review of a signing ledger change between the base branch and a pull request. */
export function reviewLedgerChange(base: SigningLedger, head: SigningLedger, ledgerPath: string): LedgerReview {
  return reviewFromDiff(diffLedgers(base, head), signingSection(head), ledgerPath);
}

/** The review of a CA ledger (`stemguard.tls.json`) change between the base branch and a pull request. */
export function reviewTlsLedgerChange(base: TlsCaLedger, head: TlsCaLedger, ledgerPath: string): LedgerReview {
  return reviewFromDiff(diffTlsLedgers(base, head), tlsSection(head), ledgerPath);
}

/** The verdict on a whole pull request: every ledger, and at most one step (or revert) across all of them. */
export interface PullRequestReview {
  readonly ok: boolean;
  readonly ledgers: readonly LedgerReview[];
  /** Every step or revert the pull request takes, as `file: step`. */
  readonly steps: readonly string[];
  readonly markdown: string;
}

/** Combines per-ledger reviews: more than one step across ledgers and kinds fails, naming them. */
export function reviewPullRequest(ledgers: readonly LedgerReview[]): PullRequestReview {
  const steps = ledgers.flatMap((r) => (r.step === undefined ? [] : [`${r.file}${ledgers.filter((o) => o.file === r.file).length > 1 ? ` [${r.kind}]` : ""}: ${r.step}`]));
  const tooMany = steps.length > 1;
  const lines = ledgers.map((r) => r.markdown);
  if (tooMany) {
    lines.push(`**stemguard**: ${steps.length} steps in one pull request (${steps.join("; ")}); split it: one step in one ledger per pull request, one apply per phase.`);
  }
  return { ok: !tooMany && ledgers.every((r) => r.ok), ledgers, steps, markdown: lines.join("\n\n") };
}
