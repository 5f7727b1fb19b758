import * as crypto from "node:crypto";
import * as ed from "@noble/ed25519";
import {
  DartArgumentError,
  dartEd25519DerivedPublicKey,
  dartEd25519Sign,
  dartEd25519Verify,
} from "../../../lib/core/signing/dart-ed25519";

// noble is the ZIP-215 reference these tests compare against; its sync API needs a SHA-512.
ed.hashes.sha512 = (message: Uint8Array) => new Uint8Array(crypto.createHash("sha512").update(message).digest());

const SEED = Buffer.from("v/eFuFJGEl0ieIlYionIcFjYKmKK/lMrfi+pGcLsKew=", "base64");
const PUBLIC = Buffer.from("MQKrHe7hFRCoOi1DGdEdQOcfQGqEcTQGt79szn6gTJ0=", "base64");
const MESSAGE = Buffer.from("stem canonical bytes", "utf8");
const L = ed.Point.CURVE().n;
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

const le = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).reverse().toString("hex") || "0"}`);
const le32 = (n: bigint): Buffer => Buffer.from(n.toString(16).padStart(64, "0"), "hex").reverse();
const sha512 = (...parts: Uint8Array[]): Buffer => crypto.createHash("sha512").update(Buffer.concat(parts)).digest();

function nodeVerify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  const key = crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: "der", type: "spki" });
  return crypto.verify(null, message, key, signature);
}

/** The clamped secret scalar of an RFC 8032 seed, reduced mod L. */
function secretScalar(seed: Uint8Array): bigint {
  const h = sha512(seed).subarray(0, 32);
  h[0] &= 0xf8;
  h[31] &= 0x7f;
  h[31] |= 0x40;
  return le(h) % L;
}

describe("dartEd25519Verify (DartEd25519.verify)", () => {
  const signature = dartEd25519Sign(MESSAGE, SEED);

  it("accepts an honest signature that node:crypto also accepts, and rejects a changed message", () => {
    expect(nodeVerify(MESSAGE, signature, PUBLIC)).toBe(true);
    expect(dartEd25519Verify(MESSAGE, signature, PUBLIC)).toBe(true);
    expect(dartEd25519Verify(Buffer.from("other"), signature, PUBLIC)).toBe(false);
  });

  it("fails with ArgumentError (not false) for a public key that is not 32 bytes, checked before the signature", () => {
    expect(() => dartEd25519Verify(MESSAGE, signature, PUBLIC.subarray(0, 31))).toThrow(DartArgumentError);
    expect(() => dartEd25519Verify(MESSAGE, signature.subarray(0, 10), Buffer.concat([PUBLIC, Buffer.of(0)]))).toThrow(
      "Invalid argument (signature): Invalid public key length",
    );
  });

  it("fails with ArgumentError for a signature that is not 64 bytes", () => {
    expect(() => dartEd25519Verify(MESSAGE, signature.subarray(0, 63), PUBLIC)).toThrow("Invalid argument (signature): Invalid signature length");
    expect(() => dartEd25519Verify(MESSAGE, new Uint8Array(0), PUBLIC)).toThrow(DartArgumentError);
  });

  it("fails (false) for S >= L (a malleated signature), like node:crypto", () => {
    const s = le(signature.subarray(32));
    const malleated = Buffer.concat([signature.subarray(0, 32), le32(s + L)]);
    expect(dartEd25519Verify(MESSAGE, malleated, PUBLIC)).toBe(false);
    expect(nodeVerify(MESSAGE, malleated, PUBLIC)).toBe(false);
  });

  it("fails (false) for a non-canonical point encoding (y >= p) that ZIP-215 (noble's default) accepts", () => {
    // y = p + 1 is the identity's y (1) written non-canonically; with the
    // identity as key, (R = sB, s) satisfies the equation for any message.
    const p = 2n ** 255n - 19n;
    const nonCanonicalIdentity = le32(p + 1n);
    const forged = Buffer.concat([ed.Point.BASE.multiply(42n).toBytes(), le32(42n)]);
    expect(ed.verify(forged, MESSAGE, nonCanonicalIdentity)).toBe(true);
    expect(dartEd25519Verify(MESSAGE, forged, nonCanonicalIdentity)).toBe(false);
  });

  it("uses the cofactorless equation: a mixed-order R fails here but passes ZIP-215 (noble's default)", () => {
    const T = ed.Point.fromBytes(Buffer.from("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", "hex"));
    expect(T.multiply(8n, false).is0()).toBe(true);
    expect(T.multiply(4n, false).is0()).toBe(false);
    const a = secretScalar(SEED);
    const r = 123456789n;
    const R = ed.Point.BASE.multiply(r).add(T).toBytes();
    const k = le(sha512(R, PUBLIC, MESSAGE)) % L;
    const forged = Buffer.concat([R, le32((r + k * a) % L)]);
    expect(ed.verify(forged, MESSAGE, PUBLIC)).toBe(true);
    expect(dartEd25519Verify(MESSAGE, forged, PUBLIC)).toBe(false);
  });

  it("does not refuse small-order public keys: with the identity as key any (R = sB, s) verifies", () => {
    const identity = ed.Point.ZERO.toBytes();
    const s = 42n;
    const forged = Buffer.concat([ed.Point.BASE.multiply(s).toBytes(), le32(s)]);
    expect(dartEd25519Verify(MESSAGE, forged, identity)).toBe(true);
    expect(dartEd25519Verify(Buffer.from("anything"), forged, identity)).toBe(true);
    expect(ed.verify(forged, MESSAGE, identity, { zip215: false })).toBe(false);
  });
});

describe("dartEd25519Sign (DartEd25519.sign)", () => {
  it("equals RFC 8032 / node:crypto for a 32-byte seed", () => {
    const key = crypto.createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), SEED]), format: "der", type: "pkcs8" });
    expect(Buffer.from(dartEd25519Sign(MESSAGE, SEED))).toEqual(crypto.sign(null, MESSAGE, key));
    expect(Buffer.from(dartEd25519DerivedPublicKey(SEED))).toEqual(PUBLIC);
  });

  it("hashes a 64-byte libsodium-style key anyway and signs for a different public key (docs/stem-compat.md §2.5)", () => {
    const libsodiumKey = Buffer.concat([SEED, PUBLIC]);
    const signature = dartEd25519Sign(MESSAGE, libsodiumKey);
    const derived = dartEd25519DerivedPublicKey(libsodiumKey);
    expect(Buffer.from(derived)).not.toEqual(PUBLIC);
    // A valid signature, but for the derived key: node:crypto agrees on both counts.
    expect(nodeVerify(MESSAGE, signature, derived)).toBe(true);
    expect(nodeVerify(MESSAGE, signature, PUBLIC)).toBe(false);
    expect(dartEd25519Verify(MESSAGE, signature, PUBLIC)).toBe(false);
  });

  it("signs with private keys of any length, e.g. 16 bytes, deterministically", () => {
    const short = Buffer.alloc(16, 7);
    const one = dartEd25519Sign(MESSAGE, short);
    expect(Buffer.from(one)).toEqual(Buffer.from(dartEd25519Sign(MESSAGE, short)));
    expect(nodeVerify(MESSAGE, one, dartEd25519DerivedPublicKey(short))).toBe(true);
  });
});
