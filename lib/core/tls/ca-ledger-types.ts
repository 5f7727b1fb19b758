import type { Cadence } from "../ledger/cadence";
/**
 * A CA's place in a CA rotation (mirrors signing keys, docs/architecture.md, "The rotation model"):
 * - `staged`: in every trust bundle, issues nothing yet;
 * - `active`: exactly one; issues the server and client leaves in use;
 * - `retiring`: the previous active CA, still trusted while old leaves are replaced;
 * - `retired`: trusted by nobody; kept as history.
 */
export type CaState = "staged" | "active" | "retiring" | "retired";
/** Every CA state, in lifecycle order. */
export const CA_STATES: readonly CaState[] = ["staged", "active", "retiring", "retired"];

/** One step of a CA rotation. */
export type TlsStepOp = "init" | "stage-ca" | "reissue-leaves" | "retire-ca" | "renew-leaves";
/** Every step op, in the order a rotation uses them. */
export const TLS_STEP_OPS: readonly TlsStepOp[] = ["init", "stage-ca", "reissue-leaves", "retire-ca", "renew-leaves"];

/** SHA-256 certificate fingerprints of a leaf generation (colon-separated upper-case hex, as openssl prints). */
export interface LeafFingerprints {
  readonly serverFingerprint256?: string;
  readonly clientFingerprint256?: string;
}

/** A step as requested: what to change. */
export type TlsStep =
  /** The first phase: `caId` active and the first leaf generation issued by it. */
  | ({ readonly op: "init"; readonly caId: string; readonly caFingerprint256: string } & LeafFingerprints)
  /** Add a new CA to every trust bundle (old + new); leaves are unchanged. */
  | { readonly op: "stage-ca"; readonly caId: string; readonly caFingerprint256: string }
  /** New leaves issued by the staged CA, which becomes active; the old CA is retiring (still trusted). */
  | ({ readonly op: "reissue-leaves" } & LeafFingerprints)
  /** Drop a retiring CA from every trust bundle. */
  | { readonly op: "retire-ca"; readonly caId: string }
  /** New leaves from the same active CA (renewal before expiry). */
  | ({ readonly op: "renew-leaves" } & LeafFingerprints);

/** A step as recorded in the ledger's history. */
export type TlsLedgerStep = TlsStep & {
  /** The phase this step produced (1 for `init`). */
  readonly phase: number;
  /** The UTC date the step was written, once the ledger has a cadence. */
  readonly at?: string;
};

/** A CA in the ledger. Only its fingerprint is recorded, never key material. */
export interface LedgerCa {
  readonly id: string;
  readonly state: CaState;
  readonly fingerprint256: string;
}

/** One generation of server + client leaves. */
export interface LeafGeneration extends LeafFingerprints {
  /** 1, 2, ... */
  readonly generation: number;
  /** The CA that issued this generation. */
  readonly caId: string;
  /** The phase in which it was issued. */
  readonly phase: number;
}

/** The CA-rotation ledger file (default `stemguard.tls.json`). */
export interface TlsCaLedger {
  readonly schemaVersion: 1;
  readonly kind: "stemguard.tls-ca";
  /** Phase counter: the number of steps taken so far. */
  readonly phase: number;
  /** CAs in the order they were added; trust bundles list them in this order. */
  readonly cas: readonly LedgerCa[];
  /** Leaf generations, oldest first; the last one is in use. */
  readonly leaves: readonly LeafGeneration[];
  /** Every step taken, oldest first; replaying it yields `cas` and `leaves`. */
  readonly history: readonly TlsLedgerStep[];
  /** The rotation cadence (`stemguard cadence`): the CA's and the leaves' maximum ages; steps then carry their date. */
  readonly cadence?: Cadence;
}
