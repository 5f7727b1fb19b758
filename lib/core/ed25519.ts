import { createPrivateKey, createPublicKey, sign, type KeyObject } from "node:crypto";

// RFC 8410 PKCS#8 prefix for an Ed25519 private key: the 32-byte seed follows.
const PKCS8_SEED_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** Node's key object for an RFC 8032 32-byte seed (native code: fast, no JS curve math). */
function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new RangeError(`an Ed25519 seed is 32 bytes, got ${seed.length}`);
  return createPrivateKey({ key: Buffer.concat([PKCS8_SEED_PREFIX, seed]), format: "der", type: "pkcs8" });
}

/** The raw 32-byte public key of an RFC 8032 32-byte seed. */
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  const spki = createPublicKey(privateKeyFromSeed(seed)).export({ format: "der", type: "spki" });
  return new Uint8Array(spki.subarray(spki.length - 32));
}

/** A deterministic RFC 8032 Ed25519 signature (64 bytes) with a 32-byte seed. */
export function ed25519Sign(message: Uint8Array, seed: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, privateKeyFromSeed(seed)));
}
