import type { CadenceAssessment, DueStep, StepRecord } from "./kind";

/** The staged / active / retiring holders every rotating kind keeps (signing keys, CAs, Redis passwords). */
export interface RotationHolders {
  readonly staged?: string;
  readonly active?: string;
  readonly retiring?: string;
}

/** The steps that move a rotation of one credential on. */
export interface RotationCommands {
  /** What makes the staged credential the one in use (`activate`, or `reissue-leaves` for a CA). */
  readonly promote: (stagedId: string) => DueStep;
  readonly retire: (retiringId: string) => DueStep;
  readonly stage: (newId: string) => DueStep;
}

/**
 * The cadence of a stage -> activate -> retire rotation: the next step while
 * one is in progress, and the active credential with the step that created
 * it (the last step whose `createdId` is its id).
 */
export function rotationCadence<Step extends StepRecord>(args: {
  readonly credential: string;
  readonly holder: RotationHolders;
  readonly history: readonly Step[];
  /** The id a step creates (init, stage, stage-ca), or undefined. */
  readonly createdId: (step: Step) => string | undefined;
  readonly commands: RotationCommands;
  /** A fresh id for the next stage. */
  readonly newId: string;
}): CadenceAssessment {
  const { holder, commands } = args;
  const inProgress = holder.staged !== undefined ? commands.promote(holder.staged) : holder.retiring !== undefined ? commands.retire(holder.retiring) : undefined;
  const active = holder.active;
  if (active === undefined) return { inProgress, credentials: [] };
  return {
    inProgress,
    credentials: [{ name: args.credential, id: active, bornPhase: bornPhase(args.history, active, args.createdId), renew: inProgress ?? commands.stage(args.newId) }],
  };
}

/** The phase of the last step that created `id` (0 if none did). */
export function bornPhase<Step extends StepRecord>(history: readonly Step[], id: string, createdId: (step: Step) => string | undefined): number {
  for (let i = history.length - 1; i >= 0; i--) if (createdId(history[i]) === id) return history[i].phase;
  return 0;
}

/** `<prefix><YYYY-MM>` of `today`, with `-2`, `-3`, ... while `taken`. */
export function freshId(prefix: string, today: string, taken: (id: string) => boolean): string {
  const base = `${prefix}${today.slice(0, 7)}`;
  let id = base;
  for (let n = 2; taken(id); n++) id = `${base}-${n}`;
  return id;
}
