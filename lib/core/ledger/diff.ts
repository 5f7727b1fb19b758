import type { StepRecord } from "./kind";
import { describeCadence } from "./cadence";
import { canonical, stepText, type LedgerSection } from "./section";

/** What changed in one section between the base branch and a pull request. */
export type SectionDiff<St extends StepRecord = StepRecord> =
  | {
      readonly kind: "unchanged";
      readonly phase: number;
      /** A cadence change (a policy change: no step, nothing rolls), as `before -> after`. */
      readonly cadence?: string;
    }
  | {
      /** `step`: head adds one legal step; `revert`: head drops base's last step (what `git revert` of its pull request gives) and that is safe. */
      readonly kind: "step" | "revert";
      /** The step added, or the step reverted. */
      readonly step: St;
      /** Components whose configuration changes. */
      readonly rolls: readonly string[];
      /** One line for a review comment. */
      readonly summary: string;
    }
  | { readonly kind: "illegal"; readonly reason: string };

/**
 * Whether `head` is unchanged, exactly one legal step after `base`, or a safe
 * revert of base's last step. Both sections must be parsed (their histories
 * replay); the work is linear in the history length.
 */
export function diffSections<S, St extends StepRecord, O>(base: LedgerSection<S, St, O>, head: LedgerSection<S, St, O>): SectionDiff<St> {
  const { kind } = head;
  const common = Math.min(base.history.length, head.history.length);
  for (let i = 0; i < common; i++) {
    if (stepText(kind, base.history[i]) !== stepText(kind, head.history[i])) {
      return {
        kind: "illegal",
        reason: `history differs at phase ${i + 1} (${kind.label(base.history[i])} on base, ${kind.label(head.history[i])} here); a pull request may only append one step or revert the last one`,
      };
    }
  }
  const headFields = JSON.stringify(kind.sectionFields(kind.initial(head.options), head.options, 0));
  const baseFields = JSON.stringify(kind.sectionFields(kind.initial(base.options), base.options, 0));
  if (base.phase > 0 && headFields !== baseFields) {
    return { kind: "illegal", reason: `the ${kind.name} ledger's settings fixed at init change; they are fixed when the ledger is created (start a new ledger instead)` };
  }
  const cadenceChanged = canonical(base.cadence) !== canonical(head.cadence);
  if (cadenceChanged && base.phase > 0 && head.phase !== base.phase) {
    return { kind: "illegal", reason: `the cadence changes in the same pull request as a step (${describeCadence(base.cadence)} -> ${describeCadence(head.cadence)}); change it in a pull request of its own` };
  }
  const rolls = kind.rolls(base.state, head.state, head.options);
  const rolled = `Rolls: ${rolls.join(", ") || "nothing"}.`;
  if (head.phase === base.phase) return { kind: "unchanged", phase: head.phase, ...(cadenceChanged ? { cadence: `${describeCadence(base.cadence)} -> ${describeCadence(head.cadence)}` } : {}) };
  if (head.phase > base.phase + 1) {
    const steps = head.history.slice(base.phase).map(kind.label).join(", then ");
    return { kind: "illegal", reason: `${head.phase - base.phase} steps in one pull request (${steps}); split it: one step per pull request, one apply per phase` };
  }
  if (head.phase === base.phase + 1) {
    const step = head.history[head.phase - 1];
    const rule = kind.steps[step.op];
    const caution = rule.caution?.(step, head.state);
    return { kind: "step", step, rolls, summary: `phase ${base.phase} -> ${head.phase}: ${rule.meaning(step)}. ${rolled}${caution ? ` ${caution}` : ""}` };
  }
  const step = base.history[base.phase - 1];
  if (head.phase < base.phase - 1) {
    const steps = base.history.slice(head.phase).map(kind.label).join(", ");
    return {
      kind: "illegal",
      reason: `the ledger goes back ${base.phase - head.phase} phases (${steps}); only the last step may be reverted, one revert per pull request (revert "${kind.label(step)}" first, then the one before in its own pull request)`,
    };
  }
  const rule = kind.steps[step.op];
  const verdict = typeof rule.revert === "function" ? rule.revert(head.state, base.state, step) : rule.revert;
  if (!verdict.safe) return { kind: "illegal", reason: `reverting "${kind.label(step)}" (phase ${base.phase}) is not safe: ${verdict.reason}; fix: ${verdict.fix}` };
  return { kind: "revert", step, rolls, summary: `phase ${base.phase} -> ${head.phase}: revert of "${kind.label(step)}" (${rule.meaning(step)}), back to phase ${head.phase}. ${rolled}` };
}
