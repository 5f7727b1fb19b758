import { randomBytes } from "node:crypto";
import { assertKeyId } from "../keyring/key-id";
import type { SigningAlgorithm } from "../keyring/types";
import { ed25519PublicKey } from "../ed25519";
import type { KeyMaterial } from "./types";

/** Bytes of a new HMAC secret (Stem's docs: `openssl rand -base64 32`). */
export const HMAC_SECRET_BYTES = 32;

/** New random material for one key: 32 random HMAC bytes, or an Ed25519 seed and its public key. */
export function generateKeyMaterial(algorithm: SigningAlgorithm, id: string): KeyMaterial {
  assertKeyId(id, "--id");
  if (algorithm === "hmac-sha256") {
    return { id, algorithm, secret: new Uint8Array(randomBytes(HMAC_SECRET_BYTES)) };
  }
  const seed = new Uint8Array(randomBytes(32));
  return { id, algorithm, seed, publicKey: ed25519PublicKey(seed) };
}
