import type { MaterialField } from "../core/keyring/env-plan";
import type { SigningAlgorithm } from "../core/keyring/types";

/*
 * Canonical standard padded base64 (what Node's Buffer#toString("base64")
 * emits) as RE2 patterns for Terraform's regex(). The character before the
 * padding must carry zero trailing bits: Stem's decoder refuses anything else
 * (docs/stem-compat.md §1.2).
 */
const B64 = "[A-Za-z0-9+/]";
/** Exactly 32 bytes: Ed25519 seeds and public keys. */
const BASE64_32_BYTES = `^${B64}{42}[AEIMQUYcgkosw048]=$`;
/** At least 32 bytes (31 bytes also encode to 44 characters, ending in "=="). */
const BASE64_AT_LEAST_32_BYTES =
  `^(${B64}{4}){10}(${B64}{4}|${B64}{2}[AEIMQUYcgkosw048]=)$` +
  `|^(${B64}{4}){11,}(${B64}[AQgw]==|${B64}{2}[AEIMQUYcgkosw048]=)?$`;

/** What each field of a material document (materialSecretJson) must be, for Terraform variable validation. */
export const MATERIAL_FIELD_RULES: Record<MaterialField, { readonly pattern: string; readonly text: string }> = {
  secret: { pattern: BASE64_AT_LEAST_32_BYTES, text: "standard padded base64 of at least 32 bytes" },
  seed: { pattern: BASE64_32_BYTES, text: "standard padded base64 of the 32-byte Ed25519 seed" },
  publicKey: { pattern: BASE64_32_BYTES, text: "standard padded base64 of the 32-byte Ed25519 public key" },
};

/** The fields of a full material document per algorithm. */
export const MATERIAL_DOCUMENT_FIELDS: Record<SigningAlgorithm, readonly MaterialField[]> = {
  "hmac-sha256": ["secret"],
  ed25519: ["seed", "publicKey"],
};

/** The JSON shape of a key's material document, for descriptions and docs. */
export function materialDocumentShape(algorithm: SigningAlgorithm): string {
  return algorithm === "hmac-sha256" ? '{"secret":"<base64>"}' : '{"seed":"<base64>","publicKey":"<base64>"}';
}
