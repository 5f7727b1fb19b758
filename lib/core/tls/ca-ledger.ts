import { X509Certificate } from "node:crypto";
import { assertKeyId, MAX_ID_LENGTH } from "../keyring/key-id";
import { appendStep, emptySection, parseSection, replay, type LedgerSection } from "../ledger/section";
import { tlsCaKind, type TlsCaState } from "./ca-ledger-kind";
import type { TlsCaLedger, TlsLedgerStep, TlsStep } from "./ca-ledger-types";

export * from "./ca-ledger-types";

/** CA ids: the same alphabet and length limit as signing key ids. */
export const CA_ID_PATTERN = new RegExp(`^[A-Za-z0-9._-]{1,${MAX_ID_LENGTH}}$`);

/** A ledger before `init`: phase 0, no CA. */
export function emptyTlsLedger(): TlsCaLedger {
  return { schemaVersion: 1, kind: "stemguard.tls-ca", phase: 0, cas: [], leaves: [], history: [] };
}

/** The CA ledger as a parsed, replayed ledger section (validates it; linear in its length). */
export function tlsSection(ledger: TlsCaLedger): LedgerSection<TlsCaState, TlsLedgerStep, Record<string, never>> {
  return ledger.history.length === 0 ? emptySection(tlsCaKind, {}) : parseSection(tlsCaKind, ledger, "ledger");
}

/** The plain ledger object of a section. */
export function tlsLedgerFromSection(section: LedgerSection<TlsCaState, TlsLedgerStep, Record<string, never>>): TlsCaLedger {
  return {
    schemaVersion: 1,
    kind: "stemguard.tls-ca",
    phase: section.phase,
    cas: [...section.state.cas],
    leaves: [...section.state.leaves],
    history: section.history,
    ...(section.cadence ? { cadence: section.cadence } : {}),
  };
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
  return tlsLedgerFromSection(appendStep(tlsSection(ledger), step));
}

/** A new ledger at phase 1: `caId` active and leaf generation 1 issued by it. */
export function initTlsLedger(caId: string, caFingerprint256: string, leaves: import("./ca-ledger-types").LeafFingerprints = {}): TlsCaLedger {
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

/** The ledger state of every phase from 0 (empty) to the last, by replaying `history` (one copy per phase). */
export function replayTlsPhases(history: readonly TlsLedgerStep[]): TlsCaLedger[] {
  const phases: TlsCaLedger[] = [];
  replay(tlsCaKind, {}, history, (state, phase) =>
    phases.push({ schemaVersion: 1, kind: "stemguard.tls-ca", phase, cas: [...state.cas], leaves: [...state.leaves], history: history.slice(0, phase) }),
  );
  return phases;
}

/** A one-line description of a step, for status and review output. */
export function describeTlsStep(step: TlsStep): string {
  return tlsCaKind.steps[step.op].meaning({ ...step, phase: 0 } as TlsLedgerStep);
}

/** The history entry without its phase number. */
export function stripPhase(step: TlsLedgerStep): TlsStep {
  const { phase: _phase, ...rest } = step;
  return rest as TlsStep;
}

/** Checks a CA id (`[A-Za-z0-9._-]`, not only dots, at most 64 characters). */
export function assertCaId(id: unknown, field = "caId"): asserts id is string {
  assertKeyId(id, field, "CA id");
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
