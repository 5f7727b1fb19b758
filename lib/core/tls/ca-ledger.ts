import { X509Certificate } from "node:crypto";
import { StemguardError } from "../errors";
import type { CaState, LeafFingerprints, LeafGeneration, LedgerCa, TlsCaLedger, TlsLedgerStep, TlsStep } from "./ca-ledger-types";

export * from "./ca-ledger-types";

/** CA ids: the same alphabet as signing key ids, at most 64 characters. */
export const CA_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const FINGERPRINT_PATTERN = /^[0-9A-F]{2}(?::[0-9A-F]{2}){31}$/;

/** A ledger before `init`: phase 0, no CA. */
export function emptyTlsLedger(): TlsCaLedger {
  return { schemaVersion: 1, kind: "stemguard.tls-ca", phase: 0, cas: [], leaves: [], history: [] };
}

/** The SHA-256 fingerprint of a PEM certificate, in the ledger's format (`AB:CD:...`). */
export function fingerprint256Of(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/**
 * Returns the ledger after one legal step; throws a StemguardError naming the
 * step, the offending value and the fix for an illegal one. Input unchanged.
 *
 * Rules (one CA rotation at a time): init once; stage-ca only with no CA
 * staged or retiring and a new id and certificate; reissue-leaves only once a
 * staged CA has been in every trust bundle for a phase; retire-ca only for the
 * retiring CA; renew-leaves only with no CA staged.
 */
export function applyTlsStep(ledger: TlsCaLedger, step: TlsStep): TlsCaLedger {
  const phase = ledger.phase + 1;
  const { cas, leaves } = applyToState(ledger.cas, ledger.leaves, step, phase);
  return { ...ledger, phase, cas, leaves, history: [...ledger.history, recordStep(step, phase)] };
}

/** A new ledger at phase 1: `caId` active and leaf generation 1 issued by it. */
export function initTlsLedger(caId: string, caFingerprint256: string, leaves: LeafFingerprints = {}): TlsCaLedger {
  return applyTlsStep(emptyTlsLedger(), { op: "init", caId, caFingerprint256, ...leaves });
}

/**
 * The CA ids every component must trust in this phase (`STEM_TLS_CA_CERT`
 * bundle, Redis `tls-ca-cert-file`): staged, active and retiring CAs, in
 * ledger order.
 */
export function trustBundleCaIds(ledger: Pick<TlsCaLedger, "cas">): string[] {
  return ledger.cas.filter((ca) => ca.state !== "retired").map((ca) => ca.id);
}

/** The CA that issued the leaves in use, or undefined before `init`. */
export function leafIssuerCaId(ledger: Pick<TlsCaLedger, "leaves">): string | undefined {
  return ledger.leaves.at(-1)?.caId;
}

/** The active CA's id, or undefined before `init`. */
export function activeCaId(ledger: Pick<TlsCaLedger, "cas">): string | undefined {
  return ledger.cas.find((ca) => ca.state === "active")?.id;
}

/** The ledger state of every phase from 0 (empty) to the last, by replaying `history`. */
export function replayTlsPhases(history: readonly TlsLedgerStep[]): TlsCaLedger[] {
  const phases = [emptyTlsLedger()];
  for (const step of history) phases.push(applyTlsStep(phases[phases.length - 1], stripPhase(step)));
  return phases;
}

/** A one-line description of a step, for status and review output. */
export function describeTlsStep(step: TlsStep): string {
  switch (step.op) {
    case "init":
      return `init "${step.caId}": the CA is active and issues the first server and client leaves`;
    case "stage-ca":
      return `stage-ca "${step.caId}": every trust bundle holds the old and the new CA; leaves unchanged`;
    case "reissue-leaves":
      return "reissue-leaves: server and client leaves issued by the staged CA, which becomes active; the old CA is retiring but still trusted";
    case "retire-ca":
      return `retire-ca "${step.caId}": removed from every trust bundle`;
    case "renew-leaves":
      return "renew-leaves: fresh server and client leaves from the same active CA";
  }
}

/** The history entry without its phase number. */
export function stripPhase(step: TlsLedgerStep): TlsStep {
  const { phase: _phase, ...rest } = step;
  return rest as TlsStep;
}

function recordStep(step: TlsStep, phase: number): TlsLedgerStep {
  // Copy only the fields each op has, so stray properties never reach the file.
  switch (step.op) {
    case "init":
      return { phase, op: step.op, caId: step.caId, caFingerprint256: step.caFingerprint256, ...leafFields(step) };
    case "stage-ca":
      return { phase, op: step.op, caId: step.caId, caFingerprint256: step.caFingerprint256 };
    case "retire-ca":
      return { phase, op: step.op, caId: step.caId };
    case "reissue-leaves":
    case "renew-leaves":
      return { phase, op: step.op, ...leafFields(step) };
  }
}

function applyToState(
  cas: readonly LedgerCa[],
  leaves: readonly LeafGeneration[],
  step: TlsStep,
  phase: number,
): { cas: LedgerCa[]; leaves: LeafGeneration[] } {
  const op = (step as { op?: unknown }).op;
  const label = "caId" in step ? `${String(op)} ${String(step.caId)}` : String(op);
  const fail = (problem: string, value: unknown, fix: string): never => {
    throw new StemguardError(problem, { field: label, value, fix });
  };
  const inState = (state: CaState) => cas.find((ca) => ca.state === state);
  const newLeaves = (caId: string, fingerprints: LeafFingerprints): LeafGeneration[] => [
    ...leaves,
    { generation: leaves.length + 1, caId, phase, ...leafFields(fingerprints) },
  ];
  if (op !== "init" && cas.length === 0) {
    fail("the ledger has no CA yet", op, "start with 'init <ca-id>' (after 'stemguard tls generate')");
  }
  switch (step.op) {
    case "init": {
      if (cas.length > 0) fail("the ledger already has a CA; init only creates the first one", cas.map((c) => c.id), `stage a new CA with 'stage-ca ${step.caId}' instead`);
      assertCaId(step.caId, label);
      assertFingerprint(step.caFingerprint256, label);
      assertLeafFingerprints(step, label);
      return { cas: [{ id: step.caId, state: "active", fingerprint256: step.caFingerprint256 }], leaves: newLeaves(step.caId, step) };
    }
    case "stage-ca": {
      assertCaId(step.caId, label);
      assertFingerprint(step.caFingerprint256, label);
      const sameId = cas.find((ca) => ca.id === step.caId);
      if (sameId) fail(`CA id "${step.caId}" is already in the ledger (state ${sameId.state}); ids are never reused`, step.caId, "stage the new CA under a new id, e.g. with a year suffix");
      const sameCert = cas.find((ca) => ca.fingerprint256 === step.caFingerprint256);
      if (sameCert) fail(`this certificate is already in the ledger as "${sameCert.id}"`, step.caFingerprint256, "generate a new CA (new key) for the rotation");
      const staged = inState("staged");
      if (staged) fail(`CA "${staged.id}" is already staged; one CA rotation at a time`, staged.id, `run reissue-leaves (and retire the old CA) before staging another`);
      const retiring = inState("retiring");
      if (retiring) fail(`CA "${retiring.id}" is still retiring; one CA rotation at a time`, retiring.id, `retire-ca ${retiring.id} once every component runs the new leaves, then stage`);
      return { cas: [...cas, { id: step.caId, state: "staged", fingerprint256: step.caFingerprint256 }], leaves: [...leaves] };
    }
    case "reissue-leaves": {
      assertLeafFingerprints(step, label);
      const staged = inState("staged");
      if (!staged) {
        fail("no staged CA: leaves may only move to a CA that every component already trusts", "none staged", "run 'stage-ca <new-id>' and apply it everywhere first; use renew-leaves to renew from the same CA");
      }
      const next = cas.map((ca) =>
        ca.state === "staged" ? { ...ca, state: "active" as const } : ca.state === "active" ? { ...ca, state: "retiring" as const } : ca,
      );
      return { cas: next, leaves: newLeaves(staged!.id, step) };
    }
    case "retire-ca": {
      assertCaId(step.caId, label);
      const target = cas.find((ca) => ca.id === step.caId);
      if (!target || target.state !== "retiring") {
        const state = target?.state ?? "absent";
        const fix =
          state === "active"
            ? "the active CA issues the leaves in use: stage a new CA and reissue-leaves first; this CA then becomes retiring"
            : state === "staged"
              ? "a staged CA never issued leaves; run reissue-leaves to move to it, or keep it staged"
              : state === "retired"
                ? "it is already retired; nothing to do"
                : `check the CA id; the ledger has ${cas.map((c) => `"${c.id}"`).join(", ")}`;
        fail("only a retiring CA can be retired", state, fix);
      }
      return { cas: cas.map((ca) => (ca.id === step.caId ? { ...ca, state: "retired" as const } : ca)), leaves: [...leaves] };
    }
    case "renew-leaves": {
      assertLeafFingerprints(step, label);
      const staged = inState("staged");
      if (staged) fail(`CA "${staged.id}" is staged; renewing from the old CA would waste a phase`, staged.id, "run reissue-leaves, which issues fresh leaves from the staged CA");
      return { cas: [...cas], leaves: newLeaves(activeCaId({ cas })!, step) };
    }
    default:
      return fail("unknown step", op, `use one of: init, stage-ca, reissue-leaves, retire-ca, renew-leaves`);
  }
}

function leafFields(f: LeafFingerprints): LeafFingerprints {
  return {
    ...(f.serverFingerprint256 !== undefined ? { serverFingerprint256: f.serverFingerprint256 } : {}),
    ...(f.clientFingerprint256 !== undefined ? { clientFingerprint256: f.clientFingerprint256 } : {}),
  };
}

/** Checks a CA id (`[A-Za-z0-9._-]`, 1-64 characters). */
export function assertCaId(id: unknown, field = "caId"): asserts id is string {
  if (typeof id !== "string" || !CA_ID_PATTERN.test(id)) {
    throw new StemguardError("CA id must be 1-64 of [A-Za-z0-9._-]", { field, value: id, fix: 'use a name like "redis-ca-2026"' });
  }
}

function assertFingerprint(value: unknown, field: string): void {
  if (typeof value !== "string" || !FINGERPRINT_PATTERN.test(value)) {
    throw new StemguardError("not a SHA-256 fingerprint (32 colon-separated upper-case hex bytes)", {
      field,
      value,
      fix: "take it from the certificate: 'openssl x509 -noout -fingerprint -sha256 -in ca.crt' or fingerprint256Of(pem)",
    });
  }
}

function assertLeafFingerprints(f: LeafFingerprints, field: string): void {
  if (f.serverFingerprint256 !== undefined) assertFingerprint(f.serverFingerprint256, `${field} serverFingerprint256`);
  if (f.clientFingerprint256 !== undefined) assertFingerprint(f.clientFingerprint256, `${field} clientFingerprint256`);
}

/** What the next step of a CA rotation is, in words (for status output). */
export function nextTlsStepHint(ledger: TlsCaLedger): string {
  if (ledger.phase === 0) return "init <ca-id>: record the first CA and its leaves";
  const staged = ledger.cas.find((ca) => ca.state === "staged");
  if (staged) return `apply this phase everywhere (every component trusts "${staged.id}"), then reissue-leaves`;
  const retiring = ledger.cas.find((ca) => ca.state === "retiring");
  if (retiring) return `once every component runs the leaves from "${activeCaId(ledger)}" (this phase applied everywhere), retire-ca ${retiring.id}`;
  return "steady state: renew-leaves before the leaves expire, or stage-ca <new-id> to rotate the CA";
}
