import { encodeBase64Std } from "../base64";
import { StemguardError } from "../errors";
import type { MaterialField } from "../keyring/env-plan";
import type { KeyMaterial } from "./types";

const b64 = encodeBase64Std;

/**
 * The env lines Stem's own generator prints (docs/stem-compat.md §3.1), for one key:
 * HMAC: ALGORITHM, KEYS, ACTIVE_KEY; Ed25519: ALGORITHM, PUBLIC_KEYS,
 * PRIVATE_KEYS, ACTIVE_KEY. Contains material: print only on request.
 */
export function materialEnvLines(material: KeyMaterial): string[] {
  if (material.algorithm === "hmac-sha256") {
    return [
      "STEM_SIGNING_ALGORITHM=hmac-sha256",
      `STEM_SIGNING_KEYS=${material.id}:${b64(material.secret)}`,
      `STEM_SIGNING_ACTIVE_KEY=${material.id}`,
    ];
  }
  return [
    "STEM_SIGNING_ALGORITHM=ed25519",
    `STEM_SIGNING_PUBLIC_KEYS=${material.id}:${b64(material.publicKey)}`,
    ...(material.seed ? [`STEM_SIGNING_PRIVATE_KEYS=${material.id}:${b64(material.seed)}`, `STEM_SIGNING_ACTIVE_KEY=${material.id}`] : []),
  ];
}

/** One field of a key's material as standard padded base64. */
export function materialFieldBase64(material: KeyMaterial, field: MaterialField): string {
  if (material.algorithm === "hmac-sha256" && field === "secret") return b64(material.secret);
  if (material.algorithm === "ed25519" && field === "publicKey") return b64(material.publicKey);
  if (material.algorithm === "ed25519" && field === "seed" && material.seed) return b64(material.seed);
  throw new StemguardError(`key "${material.id}" (${material.algorithm}) has no ${field} material`, {
    field: `material.${material.id}.${field}`,
    fix:
      material.algorithm === "ed25519" && field === "seed"
        ? "provide the private key file for this key (it is needed where the key signs)"
        : "check that the material file belongs to this keyring's algorithm",
  });
}

/**
 * The JSON document stored per key in a secret store (Secrets Manager,
 * Kubernetes): `{"secret":"<b64>"}` for HMAC, `{"seed":"<b64>","publicKey":"<b64>"}`
 * for Ed25519. Field names equal MaterialField so constructs can look them up.
 */
export function materialSecretJson(material: KeyMaterial): string {
  if (material.algorithm === "hmac-sha256") return JSON.stringify({ secret: b64(material.secret) });
  return JSON.stringify({ ...(material.seed ? { seed: b64(material.seed) } : {}), publicKey: b64(material.publicKey) });
}
