import { createHash } from "node:crypto";
import * as ed from "@noble/ed25519";

// @noble/ed25519 v3 needs a SHA-512 for its synchronous API; use Node's.
ed.hashes.sha512 = (message: Uint8Array) => new Uint8Array(createHash("sha512").update(message).digest());

/** The raw 32-byte public key of an RFC 8032 32-byte seed. */
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  return ed.getPublicKey(seed);
}

/** A deterministic RFC 8032 Ed25519 signature (64 bytes). */
export function ed25519Sign(message: Uint8Array, seed: Uint8Array): Uint8Array {
  return ed.sign(message, seed);
}

/** Verifies an Ed25519 signature; lengths must be checked by the caller. */
export function ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  return ed.verify(signature, message, publicKey);
}
