import { createHash } from "node:crypto";
import * as ed from "@noble/ed25519";
import { ed25519Sign } from "../ed25519";

/**
 * Ed25519 exactly as Stem runs it: `package:cryptography`'s pure-Dart
 * `DartEd25519` (docs/stem-compat.md §2.4, §2.5).
 *
 * - Signing with a 32-byte seed is plain RFC 8032 and uses node:crypto
 *   (deterministic: identical bytes to any RFC 8032 signer).
 *   `DartEd25519.sign` hashes whatever private bytes it gets, though, and
 *   derives the public key from them; for seeds that are not 32 bytes (a
 *   64-byte libsodium key, say) that is reproduced here, so every signature
 *   belongs to a different key and Stem's workers dead-letter the message.
 * - Verification mirrors `DartEd25519.verify`: a public key that is not 32
 *   bytes or a signature that is not 64 bytes throws ArgumentError (not a
 *   verification failure); points must decode canonically (y < p, no x = 0
 *   with the sign bit set); S must be < L; the check is the cofactorless
 *   `[S]B == R + [k]A`, and small-order keys are not refused. Honest
 *   signatures verify the same under every Ed25519 implementation; these
 *   rules only matter for crafted ones.
 */

/** Dart's `ArgumentError` from `DartEd25519.verify`. */
export class DartArgumentError extends Error {
  constructor(
    /** Dart's message: `Invalid public key length` or `Invalid signature length`. */
    public readonly dartMessage: string,
  ) {
    super(`Invalid argument (signature): ${dartMessage}`);
    this.name = "DartArgumentError";
  }
}

const L = ed.Point.CURVE().n;
const B = ed.Point.BASE;

function sha512(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash("sha512");
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

function bytesToNumberLE(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

function numberTo32LE(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/** SHA-512 of the private bytes, clamped scalar (reduced mod L), prefix, and the public key they give. */
function expand(privateKey: Uint8Array): { scalar: bigint; prefix: Uint8Array; publicKey: Uint8Array } {
  const h = sha512(privateKey);
  const scalarBytes = h.slice(0, 32);
  scalarBytes[0] &= 0xf8;
  scalarBytes[31] &= 0x7f;
  scalarBytes[31] |= 0x40;
  const scalar = bytesToNumberLE(scalarBytes) % L;
  // Secret scalars use noble's constant-time ladder (safe mode); 0 only by astronomic chance.
  const publicKey = (scalar === 0n ? ed.Point.ZERO : B.multiply(scalar)).toBytes();
  return { scalar, prefix: h.slice(32), publicKey };
}

/** `DartEd25519.sign(message, keyPair: privateKey)`: any length of private bytes (see module comment). */
export function dartEd25519Sign(message: Uint8Array, privateKey: Uint8Array): Uint8Array {
  if (privateKey.length === 32) return ed25519Sign(message, privateKey);
  const { scalar, prefix, publicKey } = expand(privateKey);
  const r = bytesToNumberLE(sha512(prefix, message)) % L;
  const R = (r === 0n ? ed.Point.ZERO : B.multiply(r)).toBytes();
  const k = bytesToNumberLE(sha512(R, publicKey, message)) % L;
  const signature = new Uint8Array(64);
  signature.set(R, 0);
  signature.set(numberTo32LE((r + k * scalar) % L), 32);
  return signature;
}

/** The public key `DartEd25519.sign` actually signs for, given any private bytes. */
export function dartEd25519DerivedPublicKey(privateKey: Uint8Array): Uint8Array {
  return expand(privateKey).publicKey;
}

/**
 * `DartEd25519.verify`: true or false, or throws DartArgumentError for a
 * public key that is not 32 bytes or a signature that is not 64 bytes.
 */
export function dartEd25519Verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32) throw new DartArgumentError("Invalid public key length");
  if (signature.length !== 64) throw new DartArgumentError("Invalid signature length");
  let A: ed.Point;
  let R: ed.Point;
  try {
    A = ed.Point.fromBytes(publicKey, false);
    R = ed.Point.fromBytes(signature.subarray(0, 32), false);
  } catch {
    return false;
  }
  const s = bytesToNumberLE(signature.subarray(32));
  if (s >= L) return false;
  const k = bytesToNumberLE(sha512(signature.subarray(0, 32), publicKey, message)) % L;
  const sB = B.multiply(s, false);
  return sB.equals(R.add(A.multiply(k, false)));
}
