/**
 * Secret bytes for one key. Never log, synthesize or plan these.
 * Ed25519 material without `seed` is verify-only (public key alone).
 */
export type KeyMaterial =
  | { readonly id: string; readonly algorithm: "hmac-sha256"; readonly secret: Uint8Array }
  | {
      readonly id: string;
      readonly algorithm: "ed25519";
      /** RFC 8032 32-byte seed (what Stem calls the private key). */
      readonly seed?: Uint8Array;
      /** Raw 32-byte public key. */
      readonly publicKey: Uint8Array;
    };
