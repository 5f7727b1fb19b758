import { addDays, daysBetween, leadDays, type Cadence } from "./cadence";
import type { AnyLedgerSection } from "./document";

/** `ok`: nothing to do before `dueOn`; `due`: take `step` now; `overdue`: past the limit. */
export type DueStatus = "ok" | "due" | "overdue";

/** One thing `stemguard due` checks: a credential's age, or the wait of a rotation in progress. */
export interface DueItem {
  /** Kind name (`signing-keyring`, `tls-ca`, `redis-passwords`). */
  readonly kind: string;
  /** `key`, `ca`, `leaves`, `password`, or `rotation` for the next step of one in progress. */
  readonly credential: string;
  /** The credential's id (or, for `rotation`, the step's label). */
  readonly id: string;
  /** The date the age counts from: the step's `at`, or the cadence's `since` for a step without one. */
  readonly from: string;
  /** Whether `from` is the cadence's `since` because the step carries no date. */
  readonly undated: boolean;
  readonly ageDays: number;
  /** Maximum age (credentials) or `stepDays` (a rotation in progress). */
  readonly limitDays: number;
  /** The first day the step is due. */
  readonly dueOn: string;
  readonly status: DueStatus;
  /** The step that resolves it, and the command that takes it. */
  readonly step: string;
  readonly command: string;
}

/** What `stemguard due` finds in one section. */
export interface SectionDue {
  readonly kind: string;
  /** Undefined: no cadence declared, so nothing is ever due (the report says so). */
  readonly cadence?: Cadence;
  readonly items: readonly DueItem[];
}

/**
 * The due steps of one section on `today` (`YYYY-MM-DD`). A credential is due
 * `leadDays` before its maximum age and overdue at it; the next step of a
 * rotation in progress is due a day after the last step (its rollout) and
 * overdue after `stepDays`.
 */
export function sectionDue(section: AnyLedgerSection, today: string): SectionDue {
  const { kind, cadence } = section;
  if (!cadence || !kind.cadence) return { kind: kind.name, items: [] };
  const dateOf = (phase: number) => {
    const at = phase >= 1 ? section.history[phase - 1]?.at : undefined;
    return at === undefined ? { from: cadence.since, undated: true } : { from: at, undated: false };
  };
  const assessment = kind.cadence.assess(section.state, section.history, today);
  const items: DueItem[] = [];
  if (assessment.inProgress) {
    const { from, undated } = dateOf(section.phase);
    const ageDays = daysBetween(from, today);
    const status: DueStatus = ageDays >= cadence.stepDays ? "overdue" : ageDays >= 1 ? "due" : "ok";
    items.push({ kind: kind.name, credential: "rotation", id: assessment.inProgress.step, from, undated, ageDays, limitDays: cadence.stepDays, dueOn: addDays(from, 1), status, ...assessment.inProgress });
  }
  for (const c of assessment.credentials) {
    const limitDays = cadence.maxAgeDays[c.name];
    if (limitDays === undefined) continue;
    const { from, undated } = dateOf(c.bornPhase);
    const ageDays = daysBetween(from, today);
    const dueOn = addDays(from, limitDays - leadDays(limitDays));
    const status: DueStatus = ageDays >= limitDays ? "overdue" : today >= dueOn ? "due" : "ok";
    items.push({ kind: kind.name, credential: c.name, id: c.id, from, undated, ageDays, limitDays, dueOn, status, ...c.renew });
  }
  return { kind: kind.name, cadence, items };
}
