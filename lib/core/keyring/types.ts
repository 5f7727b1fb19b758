import type { Cadence } from "../ledger/cadence";
/** The payload-signing algorithms Stem supports (`STEM_SIGNING_ALGORITHM`). */
export type SigningAlgorithm = "hmac-sha256" | "ed25519";
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ["hmac-sha256", "ed25519"];

/**
 * A key's place in a rotation (docs/architecture.md, "The rotation model"):
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

/** Key ids Stem can carry in a key list: no `:` `,` or whitespace (docs/stem-compat.md §1.2). */
export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]+$/;

/**
 * One step of a rotation. `init` creates the first (active) key; `enforce`
 * turns on verification on workers of a ledger created with `producersFirst`;
 * `verify-only-workers` / `sign-workers` switch Ed25519 workers between
 * public keys only and holding the active seed. The last three name the
 * active key and change no key state.
 */
export type StepOp = "init" | "stage" | "activate" | "retire" | "enforce" | "verify-only-workers" | "sign-workers";
export const STEP_OPS: readonly StepOp[] = ["init", "stage", "activate", "retire", "enforce", "verify-only-workers", "sign-workers"];

/** The steps that change what workers hold, not the keys. */
export const WORKER_MODE_OPS: readonly StepOp[] = ["verify-only-workers", "sign-workers"];

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
  /** The UTC date the step was written, once the ledger has a cadence. */
  readonly at?: string;
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
  /** The rotation cadence (`stemguard cadence`): the key's maximum age; steps then carry their date. */
  readonly cadence?: Cadence;
  /**
   * Ed25519 only: workers get public keys only and cannot re-sign retries
   * (docs/stem-compat.md §1.4). Off by default because retries then fail. The current
   * mode: set by `init`, changed only by the `verify-only-workers` and
   * `sign-workers` steps.
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
