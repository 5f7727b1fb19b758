/** The payload-signing algorithms Stem supports (`STEM_SIGNING_ALGORITHM`). */
export type SigningAlgorithm = "hmac-sha256" | "ed25519";
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ["hmac-sha256", "ed25519"];

/**
 * A key's place in a rotation (design.md, "The rotation model"):
 * - `staged`: trusted by verifiers, signs nothing;
 * - `active`: exactly one; every signer signs with it;
 * - `retiring`: the previous active key, still trusted while in-flight messages drain;
 * - `retired`: trusted by nobody; kept in the ledger as history.
 */
export type KeyState = "staged" | "active" | "retiring" | "retired";
export const KEY_STATES: readonly KeyState[] = ["staged", "active", "retiring", "retired"];

/** A kind of Stem component. */
export type Role = "producer" | "worker" | "beat";
export const ROLES: readonly Role[] = ["producer", "worker", "beat"];

/** Key ids Stem can carry in a key list: no `:` `,` or whitespace (contract §1.2). */
export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]+$/;

/**
 * One step of a rotation. `init` creates the first (active) key; `enforce`
 * turns on verification on workers of a ledger created with `producersFirst`.
 */
export type StepOp = "init" | "stage" | "activate" | "retire" | "enforce";
export const STEP_OPS: readonly StepOp[] = ["init", "stage", "activate", "retire", "enforce"];

export interface LedgerKey {
  readonly id: string;
  readonly algorithm: SigningAlgorithm;
  readonly state: KeyState;
}

export interface LedgerStep {
  /** The phase this step produced (1 for `init`). */
  readonly phase: number;
  readonly op: StepOp;
  readonly keyId: string;
}

/** The rotation ledger file (default `stemguard.rotation.json`). */
export interface SigningLedger {
  readonly schemaVersion: 1;
  readonly kind: "stemguard.signing-keyring";
  /** Phase counter: the number of steps taken so far. */
  readonly phase: number;
  readonly algorithm: SigningAlgorithm;
  /** Keys in ledger order; key lists are rendered in this order. */
  readonly keys: readonly LedgerKey[];
  /** Every step taken, oldest first; replaying it yields `keys`. */
  readonly history: readonly LedgerStep[];
  /**
   * Ed25519 only: workers get public keys only and cannot re-sign retries
   * (contract §1.4). Off by default because retries then fail.
   */
  readonly verifyOnlyWorkers?: boolean;
  /**
   * Adopting signing on a fleet that already carries unsigned messages: `init`
   * makes producers and beat sign while workers do not verify yet (Stem
   * dead-letters unsigned messages once a worker verifies); the `enforce`
   * step turns verification on after the unsigned backlog has drained.
   */
  readonly producersFirst?: boolean;
}
