import { diffLedgers } from "../core/keyring/diff-ledgers";
import { emptyLedger } from "../core/keyring/steps";
import type { SigningLedger } from "../core/keyring/types";
import { diffSynth, formatSynthDiff, type BlockChange, type TerraformJson } from "./synth-diff";

export interface PhaseReportEntry {
  readonly phase: number;
  /** e.g. `stage k2`. */
  readonly step: string;
  /** The review verdict of this phase against the previous one. */
  readonly summary: string;
  readonly legal: boolean;
  /** Per platform (e.g. `aws`, `kubernetes`): the blocks this phase changes. */
  readonly changes: Readonly<Record<string, readonly BlockChange[]>>;
}

/**
 * For a sequence of ledgers (one per phase), the verdict of each step and the
 * configuration blocks each phase changes on every platform: what a reviewer
 * sees in the pull request of that phase.
 */
export function buildPhaseReport(
  ledgers: readonly SigningLedger[],
  synthesize: (ledger: SigningLedger) => Readonly<Record<string, TerraformJson>>,
): PhaseReportEntry[] {
  const entries: PhaseReportEntry[] = [];
  let previous: Readonly<Record<string, TerraformJson>> = {};
  let base: SigningLedger | undefined;
  for (const ledger of ledgers) {
    base ??= emptyLedger(ledger.algorithm, ledger);
    const stacks = synthesize(ledger);
    const changes: Record<string, readonly BlockChange[]> = {};
    for (const [platform, doc] of Object.entries(stacks)) changes[platform] = diffSynth(previous[platform] ?? {}, doc);
    const last = ledger.history.at(-1)!;
    const diff = diffLedgers(base, ledger);
    entries.push({
      phase: ledger.phase,
      step: `${last.op} ${last.keyId}`,
      summary: diff.kind === "step" ? diff.summary : diff.kind === "illegal" ? diff.reason : "unchanged",
      legal: diff.kind !== "illegal",
      changes,
    });
    previous = stacks;
    base = ledger;
  }
  return entries;
}

/** The report as text: one block per phase, first phase summarized by counts. */
export function formatPhaseReport(entries: readonly PhaseReportEntry[]): string {
  const out: string[] = [];
  for (const entry of entries) {
    out.push(`phase ${entry.phase}: ${entry.step} (${entry.legal ? "legal" : "ILLEGAL"})`);
    out.push(`  ${entry.summary}`);
    for (const [platform, changes] of Object.entries(entry.changes)) {
      if (entry === entries[0]) {
        out.push(`  ${platform}: ${changes.length} blocks created`);
        continue;
      }
      out.push(`  ${platform}: ${changes.length === 0 ? "no changes" : `${changes.length} change${changes.length === 1 ? "" : "s"}`}`);
      for (const line of formatSynthDiff(changes)) out.push(`    ${line}`);
    }
  }
  return out.join("\n");
}
