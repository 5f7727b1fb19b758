import { StemguardError } from "../errors";
import { assertKeyId } from "./key-id";
import { WORKER_MODE_OPS, type KeyState, type LedgerKey, type LedgerStep, type SigningAlgorithm, type SigningLedger, type StepOp } from "./types";

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

/** The phase state after one step, or a StemguardError saying why the step is illegal. */
export function applyStepToState(
  state: PhaseState,
  algorithm: SigningAlgorithm,
  op: StepOp,
  keyId: string,
  options: LedgerOptions = {},
): PhaseState {
  if (WORKER_MODE_OPS.includes(op)) return applyWorkerModeStep(state, algorithm, op, keyId);
  if (op !== "enforce") {
    const keys = applyStepToKeys(state.keys, algorithm, op, keyId);
    return op === "init"
      ? { keys, workersVerify: !options.producersFirst, verifyOnlyWorkers: Boolean(options.verifyOnlyWorkers) }
      : { ...state, keys };
  }
  const active = state.keys.find((k) => k.state === "active");
  const field = `enforce ${keyId}`;
  if (!active || state.workersVerify) {
    throw new StemguardError(active ? "workers already verify signatures" : "the ledger has no keys yet", {
      field,
      value: keyId,
      fix: active ? "nothing to enforce: verification is on" : "create the first key with 'stemguard rotate init <id> --producers-first'",
    });
  }
  if (keyId !== active.id) {
    throw new StemguardError(`enforce names the active key ("${active.id}")`, { field, value: keyId, fix: "run 'stemguard rotate enforce' without an id" });
  }
  return { ...state, workersVerify: true };
}

function applyWorkerModeStep(state: PhaseState, algorithm: SigningAlgorithm, op: StepOp, keyId: string): PhaseState {
  const verifyOnly = op === "verify-only-workers";
  const field = `${op} ${keyId}`;
  const active = state.keys.find((k) => k.state === "active");
  if (!active) {
    throw new StemguardError("the ledger has no keys yet", { field, value: keyId, fix: "create the first key with 'stemguard rotate init <id> --algorithm ed25519'" });
  }
  if (algorithm !== "ed25519") {
    throw new StemguardError("workers of an hmac-sha256 keyring always hold the shared secrets (verifying needs them), so they always sign", {
      field,
      value: algorithm,
      fix: "nothing to change; verify-only workers exist only with ed25519",
    });
  }
  if (!state.workersVerify) {
    throw new StemguardError("workers do not verify yet (a --producers-first ledger before 'enforce'): they have signing off, so there is no mode to change", {
      field,
      value: "before enforce",
      fix: "run 'stemguard rotate enforce' first (after the unsigned backlog drained), then switch the worker mode in its own step",
    });
  }
  if (Boolean(state.verifyOnlyWorkers) === verifyOnly) {
    throw new StemguardError(`workers are already ${verifyOnly ? "verify-only" : "signing"}`, {
      field,
      value: verifyOnly ? "verify-only" : "signing",
      fix: "nothing to change; 'stemguard rotate status' shows what each role holds",
    });
  }
  if (keyId !== active.id) {
    throw new StemguardError(`${op} names the active key ("${active.id}")`, { field, value: keyId, fix: `run 'stemguard rotate workers ${verifyOnly ? "--verify-only" : "--sign"}'` });
  }
  return { ...state, verifyOnlyWorkers: verifyOnly };
}

/** The key states after one step, or a StemguardError saying why the step is illegal. */
export function applyStepToKeys(
  keys: readonly LedgerKey[],
  algorithm: SigningAlgorithm,
  op: StepOp,
  keyId: string,
): LedgerKey[] {
  assertKeyId(keyId);
  const field = `${op} ${keyId}`;
  const existing = keys.find((k) => k.id === keyId);
  const setState = (state: KeyState) => keys.map((k) => (k.id === keyId ? { ...k, state } : k));
  switch (op) {
    case "init":
      if (keys.length > 0) {
        throw new StemguardError("the ledger already has keys; init only creates the first key", {
          field,
          value: keys.map((k) => k.id),
          fix: `stage a new key with 'stemguard rotate stage ${keyId}' instead`,
        });
      }
      return [{ id: keyId, algorithm, state: "active" }];
    case "stage":
      if (keys.length === 0) {
        throw new StemguardError("the ledger has no keys yet", { field, value: keyId, fix: `create the first key with 'stemguard rotate init ${keyId}'` });
      }
      if (existing) {
        throw new StemguardError(`key id "${keyId}" is already in the ledger (state ${existing.state}); ids are never reused`, {
          field,
          value: keyId,
          fix: "stage a key with a new id, e.g. with a date suffix",
        });
      }
      if (keys.some((k) => k.state === "staged")) {
        const staged = keys.find((k) => k.state === "staged")!;
        throw new StemguardError(`key "${staged.id}" is already staged; one rotation at a time`, {
          field,
          value: staged.id,
          fix: `activate "${staged.id}" (and retire the old key) before staging another`,
        });
      }
      return [...keys, { id: keyId, algorithm, state: "staged" }];
    case "activate": {
      if (!existing || existing.state !== "staged") {
        throw new StemguardError("only a staged key can be activated (verifiers must trust it for a full phase first)", {
          field,
          value: existing ? existing.state : "absent",
          fix: existing ? "stage a new key instead; a key is activated once" : `run 'stemguard rotate stage ${keyId}' first`,
        });
      }
      const retiring = keys.find((k) => k.state === "retiring");
      if (retiring) {
        throw new StemguardError(`key "${retiring.id}" is still retiring; two drain windows cannot overlap`, {
          field,
          value: retiring.id,
          fix: `retire "${retiring.id}" once its messages have drained, then activate "${keyId}"`,
        });
      }
      return keys.map((k) =>
        k.id === keyId ? { ...k, state: "active" as const } : k.state === "active" ? { ...k, state: "retiring" as const } : k,
      );
    }
    case "retire":
      // A staged key may be withdrawn (lost or leaked before it ever signed):
      // nothing signs with it, so dropping it from the trust lists is safe.
      if (!existing || (existing.state !== "retiring" && existing.state !== "staged")) {
        throw new StemguardError("only a retiring key (after drain) or a staged key (never used to sign) can be retired", {
          field,
          value: existing ? existing.state : "absent",
          fix:
            existing?.state === "active"
              ? "stage and activate a new key; this key then becomes retiring"
              : existing?.state === "retired"
                ? "the key is already retired"
                : "check the key id with 'stemguard rotate status'",
        });
      }
      return setState("retired");
    case "enforce":
    case "verify-only-workers":
    case "sign-workers":
      return [...keys]; // keys do not change; applyStepToState checks the step
  }
}

/** Returns the ledger after one legal step; throws on an illegal one. The input is not modified. */
export function applyStep(ledger: SigningLedger, op: StepOp, keyId: string): SigningLedger {
  const { keys, verifyOnlyWorkers } = applyStepToState(currentState(ledger), ledger.algorithm, op, keyId, ledger);
  const phase = ledger.phase + 1;
  const step: LedgerStep = { phase, op, keyId };
  const { verifyOnlyWorkers: _, ...rest } = ledger;
  return { ...rest, ...(verifyOnlyWorkers ? { verifyOnlyWorkers: true } : {}), phase, keys, history: [...ledger.history, step] };
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

/** The state of every phase from 0 (empty) to the ledger's phase, by replaying its history. */
export function replayStates(ledger: Pick<SigningLedger, "algorithm" | "history" | "producersFirst" | "verifyOnlyWorkers">): PhaseState[] {
  const initial = { producersFirst: ledger.producersFirst, verifyOnlyWorkers: initialVerifyOnlyWorkers(ledger) };
  const states: PhaseState[] = [{ keys: [], workersVerify: false, verifyOnlyWorkers: initial.verifyOnlyWorkers }];
  for (const step of ledger.history) {
    states.push(applyStepToState(states.at(-1)!, ledger.algorithm, step.op, step.keyId, initial));
  }
  return states;
}

/**
 * The worker mode `init` set: the opposite of the first mode step's target
 * (a mode step must change the mode), or the ledger's current flag when no
 * mode step was taken. parseLedger then checks the flag against the replay.
 */
function initialVerifyOnlyWorkers(ledger: Pick<SigningLedger, "history" | "verifyOnlyWorkers">): boolean {
  const first = ledger.history.find((s) => WORKER_MODE_OPS.includes(s.op));
  return first === undefined ? Boolean(ledger.verifyOnlyWorkers) : first.op === "sign-workers"; // review, not parseLedger, catches a forged first mode step
}

/** The keys of every phase from 0 (empty) to the ledger's phase. */
export function replayPhases(ledger: Pick<SigningLedger, "algorithm" | "history" | "producersFirst" | "verifyOnlyWorkers">): LedgerKey[][] {
  return replayStates(ledger).map((s) => [...s.keys]);
}

/** The ledger's current phase state. */
export function currentState(ledger: SigningLedger): PhaseState {
  if (ledger.history.length === 0) return { keys: ledger.keys, workersVerify: false, verifyOnlyWorkers: Boolean(ledger.verifyOnlyWorkers) };
  const { workersVerify, verifyOnlyWorkers } = replayStates(ledger).at(-1)!;
  return { keys: ledger.keys, workersVerify, verifyOnlyWorkers: Boolean(verifyOnlyWorkers) };
}

/** The ledger as it was at `phase` (1..ledger.phase). */
export function ledgerAtPhase(ledger: SigningLedger, phase: number): SigningLedger {
  if (!Number.isInteger(phase) || phase < 1 || phase > ledger.phase) {
    throw new StemguardError(`phase must be between 1 and ${ledger.phase}`, {
      field: "phase",
      value: phase,
      fix: "pick a phase shown by 'stemguard rotate status'",
    });
  }
  const history = ledger.history.slice(0, phase);
  const { keys, verifyOnlyWorkers } = replayStates(ledger).at(phase)!;
  const { verifyOnlyWorkers: _, ...rest } = ledger;
  return { ...rest, ...(verifyOnlyWorkers ? { verifyOnlyWorkers: true } : {}), phase, history, keys: [...keys] };
}
