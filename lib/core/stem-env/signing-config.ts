import type { SigningAlgorithm } from "../keyring/types";

/**
 * What Stem's `SigningConfig.fromEnvironment` yields (docs/stem-compat.md §1.3),
 * reproduced exactly. Key maps keep Stem's semantics: a duplicated id is
 * overwritten by the later entry.
 */
export interface StemSigningConfig {
  /** `disabled()` reports hmac-sha256 even when ed25519 was asked for. */
  readonly algorithm: SigningAlgorithm;
  /** HMAC secrets by id (`STEM_SIGNING_KEYS`). */
  readonly keys: ReadonlyMap<string, Uint8Array>;
  /** Ed25519 raw public keys by id (`STEM_SIGNING_PUBLIC_KEYS`). */
  readonly publicKeys: ReadonlyMap<string, Uint8Array>;
  /** Ed25519 seeds by id (`STEM_SIGNING_PRIVATE_KEYS`). */
  readonly privateKeys: ReadonlyMap<string, Uint8Array>;
  /** `STEM_SIGNING_ACTIVE_KEY`, trimmed; undefined when unset or empty. */
  readonly activeKeyId?: string;
  /** HMAC: active id and >= 1 secret. Ed25519: >= 1 public key. */
  readonly isEnabled: boolean;
  /** HMAC: same as isEnabled. Ed25519: active id present in private keys. */
  readonly canSign: boolean;
}

/** A process environment as Stem sees it. */
export type EnvMap = Readonly<Record<string, string | undefined>>;
