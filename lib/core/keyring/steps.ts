import { StemguardError } from "../errors";
import { appendStep, emptySection, parseSection, replay, type LedgerSection } from "../ledger/section";
import { signingKeyringKind, type SigningOptions, type SigningState } from "./signing-kind";
import type { LedgerKey, LedgerStep, SigningAlgorithm, SigningLedger, StepOp } from "./types";

/** Everything a phase decides: the keys' states and what workers do. */
export interface PhaseState {
  readonly keys: readonly LedgerKey[];
  /** False only between `init` of a `producersFirst` ledger and its `enforce` step. */
  readonly workersVerify: boolean;
  /**
   * Ed25519 workers hold public keys only (they cannot re-sign retries).
   *
   * @default false
   */
  readonly verifyOnlyWorkers?: boolean;
}

/** Options fixed when a ledger is created. */
export interface LedgerOptions {
  readonly verifyOnlyWorkers?: boolean;
  readonly producersFirst?: boolean;
}

/**
 * {@link replayStates} keeps every phase's keys (memory grows with phases x
 * keys), so it refuses ledgers with more phases than this; everything else
 * (status, review, rotate, synth) replays in one pass with no such limit.
 */
export const MAX_REPLAYED_PHASES = 2000;

/** The signing ledger as a parsed, replayed ledger section (validates it; linear in its length). */
export function signingSection(ledger: SigningLedger): LedgerSection<SigningState, LedgerStep, SigningOptions> {
  if (ledger.history.length === 0) {
    return emptySection(signingKeyringKind, { algorithm: ledger.algorithm, producersFirst: Boolean(ledger.producersFirst), verifyOnlyWorkers: Boolean(ledger.verifyOnlyWorkers) });
  }
  return parseSection(signingKeyringKind, ledger, "ledger");
}

/** The plain ledger object of a section. */
export function ledgerFromSection(section: LedgerSection<SigningState, LedgerStep, SigningOptions>): SigningLedger {
  const { state, options } = section;
  return {
    schemaVersion: 1,
    kind: "stemguard.signing-keyring",
    phase: section.phase,
    algorithm: options.algorithm,
    keys: state.keys.map((k) => ({ ...k })),
    history: section.history,
    ...(state.verifyOnlyWorkers ? { verifyOnlyWorkers: true } : {}),
    ...(options.producersFirst ? { producersFirst: true } : {}),
    ...(section.cadence ? { cadence: section.cadence } : {}),
  };
}

/** Returns the ledger after one legal step; throws a StemguardError on an illegal one. The input is not modified. */
export function applyStep(ledger: SigningLedger, op: StepOp, keyId: string): SigningLedger {
  return ledgerFromSection(appendStep(signingSection(ledger), { op, keyId }));
}

/** A ledger before its first step (phase 0): the base of a pull request that creates the keyring. */
export function emptyLedger(algorithm: SigningAlgorithm, options: LedgerOptions = {}): SigningLedger {
  return {
    schemaVersion: 1,
    kind: "stemguard.signing-keyring",
    phase: 0,
    algorithm,
    keys: [],
    history: [],
    ...(options.verifyOnlyWorkers ? { verifyOnlyWorkers: true } : {}),
    ...(options.producersFirst ? { producersFirst: true } : {}),
  };
}

/** A new ledger whose first phase has one active key. */
export function initLedger(algorithm: SigningAlgorithm, keyId: string, options: LedgerOptions = {}): SigningLedger {
  return applyStep(emptyLedger(algorithm, options), "init", keyId);
}

/** Calls `visit` with the state of every phase from 0 (empty) to the last, one at a time (linear memory). */
export function forEachPhase(ledger: SigningLedger, visit: (state: PhaseState, phase: number) => void): void {
  const section = signingSection(ledger);
  replay(signingKeyringKind, section.options, section.history, visit);
}

/**
 * The state of every phase from 0 (empty) to the ledger's phase. Holds a copy
 * of the keys per phase: refused above {@link MAX_REPLAYED_PHASES} phases.
 */
export function replayStates(ledger: SigningLedger): PhaseState[] {
  if (ledger.history.length > MAX_REPLAYED_PHASES) {
    throw new StemguardError(`the ledger has ${ledger.history.length} phases; replaying every phase is limited to ${MAX_REPLAYED_PHASES} (memory grows with phases x keys)`, {
      field: "ledger",
      value: ledger.history.length,
      fix: "start a new ledger for a long-lived keyring (retired keys stay in the old one's history), or run the drill on a copy cut to the recent phases",
    });
  }
  const states: PhaseState[] = [];
  forEachPhase(ledger, (s) => states.push({ keys: [...s.keys], workersVerify: s.workersVerify, verifyOnlyWorkers: s.verifyOnlyWorkers }));
  return states;
}

/** The keys of every phase from 0 (empty) to the ledger's phase. */
export function replayPhases(ledger: SigningLedger): LedgerKey[][] {
  return replayStates(ledger).map((s) => [...s.keys]);
}

/** The ledger's current phase state. */
export function currentState(ledger: SigningLedger): PhaseState {
  const { state } = signingSection(ledger);
  return { keys: state.keys, workersVerify: state.workersVerify, verifyOnlyWorkers: state.verifyOnlyWorkers };
}

/** The ledger as it was at `phase` (1..ledger.phase). */
export function ledgerAtPhase(ledger: SigningLedger, phase: number): SigningLedger {
  if (!Number.isInteger(phase) || phase < 1 || phase > ledger.phase) {
    throw new StemguardError(`phase must be between 1 and ${ledger.phase}`, { field: "phase", value: phase, fix: "pick a phase shown by 'stemguard rotate status'" });
  }
  const section = signingSection(ledger);
  return ledgerFromSection({ ...section, phase, history: section.history.slice(0, phase), state: replay(signingKeyringKind, section.options, section.history.slice(0, phase)) });
}
