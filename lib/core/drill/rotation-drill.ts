import { StemConfigError } from "../errors";
import { planRoleEnvForKeys } from "../keyring/env-plan";
import { renderRoleEnvWithMaterial } from "../keyring/render-env";
import { replayPhases } from "../keyring/steps";
import { ROLES, type LedgerKey, type Role, type SigningLedger } from "../keyring/types";
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
  return drillKeyPhases(replayPhases(ledger), ledger, options);
}

/**
 * The drill over explicit key states per phase (index 0 = before the first
 * step). runRotationDrill feeds it a ledger's replayed history; tests feed it
 * forged sequences to prove that it catches unsafe ones.
 */
export function drillKeyPhases(
  phases: readonly (readonly LedgerKey[])[],
  ledger: Pick<SigningLedger, "algorithm" | "verifyOnlyWorkers">,
  options: DrillOptions = {},
): DrillReport {
  const materials = new Map(options.materials ?? []);
  for (const key of phases.flat()) {
    if (!materials.has(key.id)) materials.set(key.id, generateKeyMaterial(ledger.algorithm, key.id));
  }
  const failures: DrillFailure[] = [];
  const drains: DrainNote[] = [];
  // Phases and roles often share an env; parse, sign and verify each distinct
  // env once (Ed25519 in pure JS is the drill's cost).
  const byEnv = new Map<string, StemSigningConfig | Error>();
  const configOf = (phase: number, role: Role): StemSigningConfig | Error => {
    const plan = planRoleEnvForKeys(phases[phase], ledger.algorithm, role, { verifyOnlyWorkers: ledger.verifyOnlyWorkers });
    const env = renderRoleEnvWithMaterial(plan, materials);
    const text = JSON.stringify(env);
    const cacheKey = `${role}|${text}`;
    if (!byEnv.has(cacheKey)) {
      // Stricter than Stem: stemguard's own findings on the rendered env fail the drill too.
      const errors = checkSigningEnv(env, { role, allowVerifyOnlyWorker: ledger.verifyOnlyWorkers }).filter((f) => f.severity === "error");
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
  const verified = new Map<string, { ok: boolean; message: string }>();
  const verifyOnce = (signed: StemEnvelope, worker: StemSigningConfig) => {
    let ids = workerIds.get(worker);
    if (ids === undefined) workerIds.set(worker, (ids = workerIds.size));
    const cacheKey = `${ids}|${signed.toJson()}`;
    if (!verified.has(cacheKey)) verified.set(cacheKey, verifyOnly(signed, worker));
    return verified.get(cacheKey)!;
  };
  const workerIds = new Map<StemSigningConfig, number>();
  const signedBy = new Map<StemSigningConfig, StemEnvelope[]>();
  const last = phases.length - 1;
  const envelopes = drillEnvelopes();
  let checks = 0;
  for (let phase = 1; phase <= last; phase++) {
    for (const signer of ROLES) {
      if (signer === "worker" && ledger.verifyOnlyWorkers) continue; // they cannot sign; documented trade-off
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
      for (const signed of signedBy.get(config)!) {
        for (let verifiedAt = Math.max(1, phase - 1); verifiedAt <= Math.min(last, phase + 1); verifiedAt++) {
          const worker = configOf(verifiedAt, "worker");
          checks++;
          const result = worker instanceof Error ? { ok: false, message: `Stem refuses the worker env: ${describe(worker)}` } : verifyOnce(signed, worker);
          if (!result.ok) failures.push({ signedAt: phase, signer, verifiedAt, envelope: signed.name, message: result.message });
        }
        if (signed.name === envelopes[0].name) {
          for (let later = phase + 2; later <= last; later++) {
            const worker = configOf(later, "worker");
            if (!(worker instanceof Error) && !verifyOnce(signed, worker).ok) {
              drains.push({ signedAt: phase, keyId: config.activeKeyId!, rejectedFrom: later });
              break;
            }
          }
        }
      }
    }
  }
  return { phases: last, checks, failures, drains: dedupeDrains(drains) };
}

function verifyOnly(signed: Parameters<typeof verifyEnvelope>[0], worker: StemSigningConfig): { ok: boolean; message: string } {
  if (!worker.isEnabled) return { ok: false, message: "the worker env has signing disabled: it would accept unsigned messages" };
  const result = verifyEnvelope(signed, worker);
  return result.ok ? { ok: true, message: "" } : { ok: false, message: result.message };
}

function describe(err: Error): string {
  return err instanceof StemConfigError ? `${err.kind}: ${redactStemMessage(err.stemMessage)}` : err.message;
}

function dedupeDrains(notes: DrainNote[]): DrainNote[] {
  const seen = new Set<string>();
  return notes.filter((n) => {
    const key = `${n.signedAt}/${n.keyId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
