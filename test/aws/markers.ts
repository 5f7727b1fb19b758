// Known "material" for leak tests: recognisable bytes, searched in every encoding.
import type { SigningAlgorithm } from "../../lib/core/keyring/types";
import { materialSecretJson } from "../../lib/core/material/encode";
import { ed25519PublicKey } from "../../lib/core/ed25519";
import type { KeyMaterial } from "../../lib/core/material/types";

/** 32 bytes starting with a readable marker, e.g. `MARKER-hmac-k1-00000000000000000`. */
function markerBytes(label: string): Uint8Array {
  const text = `MARKER-${label}-`.padEnd(32, "0").slice(0, 32);
  return new Uint8Array(Buffer.from(text, "ascii"));
}

/** Marker material for one key: HMAC secret or Ed25519 seed (+ its real public key). */
export function markerMaterial(algorithm: SigningAlgorithm, keyId: string): KeyMaterial {
  if (algorithm === "hmac-sha256") return { id: keyId, algorithm, secret: markerBytes(`hmac-${keyId}`) };
  const seed = markerBytes(`seed-${keyId}`);
  return { id: keyId, algorithm, seed, publicKey: ed25519PublicKey(seed) };
}

/** The material document (what TF_VAR_<name> carries). */
export function markerDocument(material: KeyMaterial): string {
  return materialSecretJson(material);
}

/** Every byte string of `material` in every form it could leak in. */
export function leakNeedles(material: KeyMaterial): { label: string; needle: string }[] {
  const fields: [string, Uint8Array][] =
    material.algorithm === "hmac-sha256"
      ? [["secret", material.secret]]
      : [
          ["seed", material.seed!],
          ["publicKey", material.publicKey],
        ];
  const needles: { label: string; needle: string }[] = [];
  for (const [name, bytes] of fields) {
    const b = Buffer.from(bytes);
    const std = b.toString("base64");
    const forms: Record<string, string> = {
      raw: b.toString("latin1"),
      base64: std,
      "base64-unpadded": std.replace(/=+$/, ""),
      base64url: b.toString("base64url"),
      hex: b.toString("hex"),
    };
    for (const [form, needle] of Object.entries(forms)) needles.push({ label: `${material.id}.${name} (${form})`, needle });
  }
  // The readable prefix alone, in case something truncates or re-encodes partially.
  needles.push({ label: `${material.id} marker text`, needle: "MARKER-" });
  return needles;
}

/** Labels of every needle found in `text` (empty when nothing leaked). */
export function findLeaks(text: string, materials: readonly KeyMaterial[]): string[] {
  const found = new Set<string>();
  for (const m of materials) {
    for (const { label, needle } of leakNeedles(m)) {
      if (text.includes(needle)) found.add(label);
    }
  }
  return [...found];
}
