import { StemConfigError } from "../errors";
import { planRoleEnvForKeys } from "../keyring/env-plan";
import { renderRoleEnvWithMaterial } from "../material/render-env";
import { replayStates, type PhaseState } from "../keyring/steps";
import { ROLES, type Role, type SigningLedger } from "../keyring/types";
import { generateKeyMaterial } from "../material/generate";
import type { KeyMaterial } from "../material/types";
import type { StemEnvelope } from "../signing/envelope";
import { signEnvelope } from "../signing/sign";
import { verifyEnvelope } from "../signing/verify";
import { parseStemSigningEnv, redactStemMessage } from "../stem-env/parse-signing-env";
import type { StemSigningConfig } from "../stem-env/signing-config";
import { checkSigningEnv } from "../stem-env/strict-check";
import { drillEnvelopes } from "./drill-envelopes";

export interface DrillFailure {
  /** Phase whose env signed (or failed to load). */
  readonly signedAt: number;
  readonly signer: Role;
  /** Phase of the worker that verified; undefined when the failure is in loading or signing. */
  readonly verifiedAt?: number;
  readonly envelope?: string;
  /** Stem's error text (verification message, or the config/sign-time error). */
  readonly message: string;
}

/** Messages that must be consumed before a later phase is applied: the drain the `retiring` state stands for. */
export interface DrainNote {
  readonly signedAt: number;
  readonly keyId: string;
  /** The first phase whose workers no longer accept these messages. */
  readonly rejectedFrom: number;
}

export interface DrillReport {
  readonly phases: number;
  /** Sign + verify pairs checked. */
  readonly checks: number;
  readonly failures: readonly DrillFailure[];
  readonly drains: readonly DrainNote[];
}

export interface DrillOptions {
  /**
   * Material by key id. Keys without material get throwaway material made
   * for this run (the drill checks which ids each role lists, not the bytes).
   *
   * @default - throwaway material for every key
   */
  readonly materials?: ReadonlyMap<string, KeyMaterial>;
}

/**
 * The rotation drill: for every phase of the ledger's history, every signer
 * role signs test envelopes with its env (as Stem loads it), and the workers
 * of the previous, same and next phase verify them. Both neighbours count
 * because a rollout is not atomic: new producers meet old workers, and old
 * messages meet new workers. Any failure means the rotation would drop
 * messages into the DLQ.
 */
export function runRotationDrill(ledger: SigningLedger, options: DrillOptions = {}): DrillReport {
  return drillPhaseStates(replayStates(ledger), ledger, options);
}

/** Key id of drain notes for unsigned messages (before producers sign, or retries of non-verifying workers). */
export const UNSIGNED = "(unsigned)";

/**
 * The drill over explicit phase states (index 0 = before the first step).
 * runRotationDrill feeds it a ledger's replayed history; tests feed it forged
 * sequences to prove that it catches unsafe ones.
 */
export function drillPhaseStates(
  phases: readonly PhaseState[],
  ledger: Pick<SigningLedger, "algorithm" | "producersFirst">,
  options: DrillOptions = {},
): DrillReport {
  const materials = new Map(options.materials ?? []);
  for (const key of phases.flatMap((p) => p.keys)) {
    if (!materials.has(key.id)) materials.set(key.id, generateKeyMaterial(ledger.algorithm, key.id));
  }
  const failures: DrillFailure[] = [];
  const drains: DrainNote[] = [];
  // Phases and roles often share an env; parse, sign and verify each distinct
  // env once (Ed25519 in pure JS is the drill's cost).
  const byEnv = new Map<string, StemSigningConfig | Error>();
  const configOf = (phase: number, role: Role): StemSigningConfig | Error => {
    const { keys, workersVerify, verifyOnlyWorkers } = phases[phase];
    const plan = planRoleEnvForKeys(keys, ledger.algorithm, role, { verifyOnlyWorkers, workersVerify });
    const env = renderRoleEnvWithMaterial(plan, materials);
    const verifying = role !== "worker" || workersVerify;
    // The worker mode changes only the worker role's rules, so producers and beat keep one entry per env.
    const cacheKey = `${role}|${verifying}|${role === "worker" && Boolean(verifyOnlyWorkers)}|${JSON.stringify(env)}`;
    if (!byEnv.has(cacheKey)) {
      // Stricter than Stem: stemguard's own findings on the rendered env fail the drill too.
      // (A worker that does not verify yet is checked without role rules: it has signing off on purpose.)
      const roleRules = verifying ? { role, allowVerifyOnlyWorker: verifyOnlyWorkers } : {};
      const errors = checkSigningEnv(env, roleRules).filter((f) => f.severity === "error");
      if (errors.length > 0) byEnv.set(cacheKey, new Error(errors.map((f) => `${f.field}: ${f.message}`).join("; ")));
      else {
        try {
          byEnv.set(cacheKey, parseStemSigningEnv(env));
        } catch (err) {
          byEnv.set(cacheKey, err as Error);
        }
      }
    }
    return byEnv.get(cacheKey)!;
  };
  const workerIds = new Map<StemSigningConfig, number>();
  const verified = new Map<string, { ok: boolean; message: string }>();
  const verifyAt = (signed: StemEnvelope, phase: number): { ok: boolean; message: string } => {
    const worker = configOf(phase, "worker");
    if (worker instanceof Error) return { ok: false, message: `Stem refuses the worker env: ${describe(worker)}` };
    if (!worker.isEnabled) {
      return phases[phase].workersVerify
        ? { ok: false, message: "the worker env has signing disabled: it would accept unsigned messages" }
        : { ok: true, message: "" }; // not enforcing yet: Stem accepts every message
    }
    let ids = workerIds.get(worker);
    if (ids === undefined) workerIds.set(worker, (ids = workerIds.size));
    const cacheKey = `${ids}|${signed.toJson()}`;
    if (!verified.has(cacheKey)) {
      const result = verifyEnvelope(signed, worker);
      verified.set(cacheKey, result.ok ? { ok: true, message: "" } : { ok: false, message: result.message });
    }
    return verified.get(cacheKey)!;
  };
  const signedBy = new Map<StemSigningConfig, StemEnvelope[]>();
  const last = phases.length - 1;
  const envelopes = drillEnvelopes();
  let checks = 0;
  /** Messages of one signer in one phase: verified by the neighbours; later rejections are drains. */
  const deliver = (phase: number, signer: Role, messages: readonly StemEnvelope[], keyId: string) => {
    for (const signed of messages) {
      let rejected = false;
      for (let verifiedAt = Math.max(1, phase - 1); verifiedAt <= Math.min(last, phase + 1); verifiedAt++) {
        checks++;
        const result = verifyAt(signed, verifiedAt);
        if (result.ok) continue;
        // Unsigned messages meeting verifying workers are the adoption drain, not a rotation failure.
        if (keyId === UNSIGNED && !rejected) drains.push({ signedAt: phase, keyId, rejectedFrom: verifiedAt });
        else if (keyId !== UNSIGNED) failures.push({ signedAt: phase, signer, verifiedAt, envelope: signed.name, message: result.message });
        rejected = true;
      }
      if (rejected || signed.name !== envelopes[0].name) continue;
      for (let later = phase + 2; later <= last; later++) {
        if (!verifyAt(signed, later).ok) {
          drains.push({ signedAt: phase, keyId, rejectedFrom: later });
          break;
        }
      }
    }
  };
  // A producersFirst ledger adopts a fleet that already carries unsigned messages (phase 0).
  if (ledger.producersFirst && last >= 1) {
    for (const signer of ["producer", "beat"] as const) deliver(0, signer, envelopes, UNSIGNED);
  }
  for (let phase = 1; phase <= last; phase++) {
    for (const signer of ROLES) {
      if (signer === "worker" && !phases[phase].workersVerify) {
        deliver(phase, signer, envelopes, UNSIGNED); // signing off: retries go out unsigned
        continue;
      }
      if (signer === "worker" && phases[phase].verifyOnlyWorkers) continue; // they cannot sign; documented trade-off
      const config = configOf(phase, signer);
      if (config instanceof Error) {
        failures.push({ signedAt: phase, signer, message: `Stem refuses the ${signer} env: ${describe(config)}` });
        continue;
      }
      if (!config.canSign) {
        failures.push({ signedAt: phase, signer, message: `the ${signer} env cannot sign (signing ${config.isEnabled ? "enabled but no usable private key" : "disabled"})` });
        continue;
      }
      if (!signedBy.has(config)) {
        try {
          signedBy.set(config, envelopes.map((envelope) => signEnvelope(envelope, config)));
        } catch (err) {
          failures.push({ signedAt: phase, signer, message: describe(err as Error) });
          continue;
        }
      }
      deliver(phase, signer, signedBy.get(config)!, config.activeKeyId!);
    }
  }
  return { phases: last, checks, failures, drains: dedupeDrains(drains) };
}

function describe(err: Error): string {
  return err instanceof StemConfigError ? `${err.kind}: ${redactStemMessage(err.stemMessage)}` : err.message;
}

function dedupeDrains(notes: DrainNote[]): DrainNote[] {
  const seen = new Set<string>();
  return notes.filter((n) => {
    const key = `${n.signedAt}/${n.keyId}/${n.rejectedFrom}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** One line for a drain note, for terminals and review comments. */
export function describeDrain(note: DrainNote): string {
  const what = note.keyId === UNSIGNED ? `unsigned messages from phase ${note.signedAt}` : `messages signed with "${note.keyId}" in phase ${note.signedAt}`;
  return `${what} are rejected from phase ${note.rejectedFrom} on; let them drain before applying it`;
}
