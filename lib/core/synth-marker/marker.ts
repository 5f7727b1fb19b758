/**
 * What stemguard's constructs record in each synthesized stack for
 * `stemguard review`: which construct paths are stemguard's, of which family,
 * and the ledger each one renders (ids and states only, never material). It is
 * written under the stack's top-level `"//"` comment key, which Terraform
 * ignores, so it changes no plan.
 *
 * The review decides a resource's purpose from this record and the
 * resource's own `"//".metadata.path` (the construct path cdktf writes), never
 * from resource names or secret names, which a user chooses.
 */

/** The key under the stack's `"//"` block. */
export const SYNTH_MARKER_KEY = "stemguard";

/** The record's schema version; the review refuses any other. */
export const SYNTH_MARKER_VERSION = 1;

/** The construct families whose resources the review groups by purpose. */
export const CONSTRUCT_FAMILIES = ["signing-keyring", "tls", "redis", "census", "scans", "alarms"] as const;
export type ConstructFamily = (typeof CONSTRUCT_FAMILIES)[number];

/** One stemguard construct in a stack. */
export interface MarkedConstruct {
  /** The construct's path (`stem-fleet/Signing`): its resources' paths start with it and `/`. */
  readonly path: string;
  readonly family: ConstructFamily;
  /** The class, e.g. `StemSigningKeyring`. */
  readonly construct: string;
  readonly platform: "aws" | "kubernetes";
  /** True for `fromNamePrefix` imports: they render the ledger for workloads but own no secret. */
  readonly imported: boolean;
  /** The construct's name prefix (secret and object names derive from it). */
  readonly namePrefix: string;
  /** The ledger file text the construct renders, parsed (as `stemguard` writes the file); absent when driven without a ledger (TLS `revision`). */
  readonly ledger?: unknown;
}

/** The whole record of one stack. */
export interface SynthMarker {
  readonly schemaVersion: typeof SYNTH_MARKER_VERSION;
  readonly constructs: readonly MarkedConstruct[];
}
