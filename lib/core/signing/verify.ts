import { createHmac } from "node:crypto";
import { DartBase64Error, dartBase64Decode } from "../base64";
import type { StemSigningConfig } from "../stem-env/signing-config";
import { UnencodableValueError, canonicalBytes } from "./canonical-json";
import { DartArgumentError, dartEd25519Verify } from "./dart-ed25519";
import { SIGNATURE_HEADER, SIGNATURE_KEY_HEADER, type EnvelopeFields } from "./envelope";

/** Stem's `SignatureVerificationException` messages (docs/stem-compat.md §2.3). */
export type StemVerifyMessage =
  | "missing signature headers"
  | `unknown signing key "${string}"`
  | "signature header is not base64 encoded"
  | "signature mismatch";

/**
 * Errors that escape Stem's signature path instead of raising
 * `SignatureVerificationException` (the worker does not dead-letter them as
 * `signature-invalid`):
 * - `ArgumentError`: an Ed25519 public key that is not 32 bytes or a
 *   signature that is not 64 bytes (`DartEd25519.verify` throws);
 * - `JsonUnsupportedObjectError`: the envelope holds a NaN/infinite double.
 */
export type StemVerifyThrow = "ArgumentError" | "JsonUnsupportedObjectError";

/** Outcome of verifyEnvelope. */
export type VerifyResult =
  | {
      readonly ok: true;
      /** The `stem-signature-key` that verified; null when signing is disabled. */
      readonly keyId: string | null;
      /** False when the config is disabled: Stem returns without checking anything. */
      readonly checked: boolean;
    }
  | {
      readonly ok: false;
      /** Stem's message (exact for SignatureVerificationException; Dart's error text for `stemThrows`). */
      readonly message: string;
      /** The `stem-signature-key` header, when present. */
      readonly keyId: string | null;
      /** Set when Stem throws this error instead of a SignatureVerificationException. */
      readonly stemThrows?: StemVerifyThrow;
    };

/**
 * `PayloadSigner.verify`, step for step: headers present, key id known
 * (any configured id, not only the active one), header decodes with Dart's
 * base64 (URL-safe accepted, padding required), then the HMAC comparison or
 * Ed25519 verification over the canonical bytes. A disabled config accepts
 * everything without looking.
 */
export function verifyEnvelope(envelope: EnvelopeFields, config: StemSigningConfig): VerifyResult {
  if (!config.isEnabled) return { ok: true, keyId: null, checked: false };
  const signatureB64 = envelope.headers.get(SIGNATURE_HEADER);
  const keyId = envelope.headers.get(SIGNATURE_KEY_HEADER) ?? null;
  if (signatureB64 === undefined || keyId === null) return fail("missing signature headers", keyId);
  const hmac = config.algorithm === "hmac-sha256";
  const key = (hmac ? config.keys : config.publicKeys).get(keyId);
  if (key === undefined) return fail(`unknown signing key "${keyId}"`, keyId);
  let actual: Uint8Array;
  try {
    actual = dartBase64Decode(signatureB64);
  } catch (err) {
    if (!(err instanceof DartBase64Error)) throw err;
    return fail("signature header is not base64 encoded", keyId);
  }
  let message: Uint8Array;
  try {
    message = canonicalBytes(envelope);
  } catch (err) {
    if (!(err instanceof UnencodableValueError)) throw err;
    return { ok: false, message: err.dartMessage, keyId, stemThrows: "JsonUnsupportedObjectError" };
  }
  if (hmac) {
    const expected = createHmac("sha256", key).update(message).digest();
    return Buffer.compare(Buffer.from(actual), expected) === 0 ? { ok: true, keyId, checked: true } : fail("signature mismatch", keyId);
  }
  try {
    return dartEd25519Verify(message, actual, key) ? { ok: true, keyId, checked: true } : fail("signature mismatch", keyId);
  } catch (err) {
    if (!(err instanceof DartArgumentError)) throw err;
    return { ok: false, message: err.message, keyId, stemThrows: "ArgumentError" };
  }
}

function fail(message: StemVerifyMessage, keyId: string | null): VerifyResult {
  return { ok: false, message, keyId };
}
