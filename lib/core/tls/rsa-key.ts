import { generateKeyPair } from "node:crypto";
import type { RsaKeySize } from "./types";

/** An RSA key pair as PEM: SPKI public key and unencrypted PKCS#8 private key. */
export interface RsaKeyPem {
  readonly publicKeyPem: string;
  readonly privateKeyPem: string;
}

/**
 * Generates an RSA key with Node's native crypto (OpenSSL, off the main
 * thread): node-forge's JavaScript keygen takes tens of seconds for 4096 bits.
 */
export function generateRsaKey(bits: RsaKeySize): Promise<RsaKeyPem> {
  return new Promise((resolve, reject) => {
    generateKeyPair(
      "rsa",
      {
        modulusLength: bits,
        publicExponent: 0x10001,
        publicKeyEncoding: { type: "spki", format: "pem" },
        privateKeyEncoding: { type: "pkcs8", format: "pem" },
      },
      (err, publicKeyPem, privateKeyPem) => (err ? reject(err) : resolve({ publicKeyPem, privateKeyPem })),
    );
  });
}
