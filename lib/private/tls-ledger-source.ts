import { Token } from "cdktf";
import { StemguardError } from "../core/errors";
import { parseTlsLedger, readTlsLedgerFile } from "../core/tls/ca-ledger-file";
import type { TlsCaLedger, TlsStepOp } from "../core/tls/ca-ledger-types";
import { assertTlsRevision } from "./tls-bundle-rules";

/** The props every TLS bundle construct takes for what it writes and when. */
export interface TlsLedgerSourceProps {
  readonly ledger?: TlsCaLedger;
  readonly ledgerFile?: string;
  readonly revision?: number;
}

/**
 * What a TLS bundle writes in this phase, per part: the trust bundle (CA
 * certificates) and the leaves (server and client certificate and key).
 * A part is written, and its inputs required, only in the phase whose step
 * changed it, as a signing key's material is required only in the phase that
 * creates it; in later phases its objects keep their revision and the inputs
 * may be left unset.
 */
export interface TlsWrites {
  /** The TLS ledger's phase (or `revision`): rolls the workloads. */
  readonly revision: number;
  /** Latest phase that changed the trust bundle. */
  readonly caRevision: number;
  /** Latest phase that issued leaves. */
  readonly leavesRevision: number;
  readonly caRequired: boolean;
  readonly leavesRequired: boolean;
  /** The TLS ledger, when one drives the bundles (for the review record). @default - none: a bare `revision` */
  readonly ledger?: TlsCaLedger;
}

/** Steps that change the trust bundle, and steps that issue leaves (docs/tls.md, "CA rotation"). */
const CHANGES_CA: readonly TlsStepOp[] = ["init", "stage-ca", "retire-ca"];
const ISSUES_LEAVES: readonly TlsStepOp[] = ["init", "reissue-leaves", "renew-leaves"];

/**
 * From exactly one of `ledger`, `ledgerFile` (the TLS ledger, `stemguard.tls.json`)
 * and `revision`. With `revision` alone the construct cannot tell which part
 * changed, so every part is written at that revision and every input is required.
 */
export function resolveTlsWrites(props: TlsLedgerSourceProps, field: (name: string) => string): TlsWrites {
  const given = [props.ledger, props.ledgerFile, props.revision].filter((x) => x !== undefined).length;
  if (given !== 1) {
    throw new StemguardError("give exactly one of ledgerFile, ledger and revision", {
      field: field("ledgerFile"),
      value: given === 0 ? "none" : "more than one",
      fix: 'pass ledgerFile: "stemguard.tls.json" (the TLS ledger), so inputs are required only in the phase that writes them',
    });
  }
  if (props.revision !== undefined) {
    assertTlsRevision(props.revision, field("revision"));
    return { revision: props.revision, caRevision: props.revision, leavesRevision: props.revision, caRequired: true, leavesRequired: true };
  }
  const ledger = props.ledger !== undefined ? parseTlsLedger(props.ledger, field("ledger")) : readTlsLedgerFile(props.ledgerFile!);
  if (ledger.phase < 1 || Token.isUnresolved(ledger.phase)) {
    throw new StemguardError("the TLS ledger has no CA yet", { field: field(props.ledger !== undefined ? "ledger" : "ledgerFile"), value: ledger.phase, fix: "run 'stemguard tls ca init' first" });
  }
  const latest = (ops: readonly TlsStepOp[]) => Math.max(0, ...ledger.history.filter((s) => ops.includes(s.op)).map((s) => s.phase));
  const caRevision = latest(CHANGES_CA);
  const leavesRevision = latest(ISSUES_LEAVES);
  return { revision: ledger.phase, caRevision, leavesRevision, caRequired: caRevision === ledger.phase, leavesRequired: leavesRevision === ledger.phase, ledger };
}
