import { createHmac } from "node:crypto";
import { encodeBase64Std } from "../base64";
import { StemConfigError } from "../errors";
import type { StemSigningConfig } from "../stem-env/signing-config";
import { canonicalBytes } from "./canonical-json";
import { dartEd25519Sign } from "./dart-ed25519";
import { SIGNATURE_HEADER, SIGNATURE_KEY_HEADER, type StemEnvelope } from "./envelope";

/**
 * `PayloadSigner.sign` (docs/stem-compat.md §1.4, §2.1-2.4): the envelope with
 * `stem-signature` (standard padded base64) and `stem-signature-key` (the
 * active key id) set. Other headers keep their order; existing signature
 * headers are overwritten in place.
 *
 * - Disabled config (`!isEnabled`): the envelope is returned unchanged.
 * - HMAC-SHA256 over the canonical bytes with the active secret.
 * - Ed25519 with the active private key (see dart-ed25519.ts for keys that
 *   are not 32 bytes). The configured public key must exist but is not used.
 *
 * Throws StemConfigError("StateError", Stem's exact message) where Stem's
 * signer throws (it also logs a warning `Signing configuration incomplete: …`,
 * which is not reproduced here), and UnencodableValueError when Stem's
 * `jsonEncode` would fail.
 */
export function signEnvelope(envelope: StemEnvelope, config: StemSigningConfig): StemEnvelope {
  if (!config.isEnabled) return envelope;
  const { keyId, signature } = config.algorithm === "hmac-sha256" ? signHmac(envelope, config) : signEd25519(envelope, config);
  const headers = new Map(envelope.headers);
  headers.set(SIGNATURE_HEADER, encodeBase64Std(signature));
  headers.set(SIGNATURE_KEY_HEADER, keyId);
  return envelope.withHeaders(headers);
}

interface Signed {
  readonly keyId: string;
  readonly signature: Uint8Array;
}

function signHmac(envelope: StemEnvelope, config: StemSigningConfig): Signed {
  // isEnabled guarantees an active id for HMAC.
  const keyId = config.activeKeyId as string;
  const secret = config.keys.get(keyId);
  if (secret === undefined) {
    throw new StemConfigError(
      "StateError",
      `Active signing key "${keyId}" is not configured. Ensure STEM_SIGNING_KEYS includes "${keyId}:<base64-secret>" and STEM_SIGNING_ACTIVE_KEY="${keyId}".`,
    );
  }
  const signature = new Uint8Array(createHmac("sha256", secret).update(canonicalBytes(envelope)).digest());
  return { keyId, signature };
}

function signEd25519(envelope: StemEnvelope, config: StemSigningConfig): Signed {
  const keyId = config.activeKeyId;
  if (keyId === undefined) {
    throw new StemConfigError(
      "StateError",
      "STEM_SIGNING_ACTIVE_KEY must be provided to sign with Ed25519. Set STEM_SIGNING_ACTIVE_KEY to the identifier of a private key.",
    );
  }
  const privateKey = config.privateKeys.get(keyId);
  if (privateKey === undefined) {
    throw new StemConfigError(
      "StateError",
      `Missing private key for "${keyId}". Provide STEM_SIGNING_PRIVATE_KEYS="${keyId}:<base64-private-key>".`,
    );
  }
  if (!config.publicKeys.has(keyId)) {
    throw new StemConfigError(
      "StateError",
      `Missing public key for "${keyId}". Provide STEM_SIGNING_PUBLIC_KEYS="${keyId}:<base64-public-key>".`,
    );
  }
  return { keyId, signature: dartEd25519Sign(canonicalBytes(envelope), privateKey) };
}
