// jest setupFiles: serves RSA-2048 keys from the pool made by test/support/rsa-pool-setup.js to
// crypto.generateKeyPair (the one call lib/core/tls/rsa-key.ts makes). Each worker walks the
// pool from a random start, so any 96 consecutive keys of a test file are distinct. Every
// other request (other sizes, other types or encodings) is the real generateKeyPair.
const crypto = require("node:crypto");
const fs = require("node:fs");

const real = crypto.generateKeyPair;
const file = process.env.STEMGUARD_TEST_RSA_POOL;
const pool = file ? JSON.parse(fs.readFileSync(file, "utf8")) : [];
let next = Math.floor(Math.random() * Math.max(pool.length, 1));

const wantsPem = (o) => o && o.publicKeyEncoding && o.publicKeyEncoding.type === "spki" && o.publicKeyEncoding.format === "pem" && o.privateKeyEncoding && o.privateKeyEncoding.type === "pkcs8" && o.privateKeyEncoding.format === "pem" && !o.privateKeyEncoding.cipher;

crypto.generateKeyPair = function generateKeyPair(type, options, callback) {
  if (globalThis.__stemguardRealRsaKeys || type !== "rsa" || pool.length === 0 || !options || options.modulusLength !== 2048 || (options.publicExponent ?? 0x10001) !== 0x10001 || !wantsPem(options) || typeof callback !== "function") {
    return real.apply(this, arguments);
  }
  const key = pool[next++ % pool.length];
  setImmediate(() => callback(null, key.publicKey, key.privateKey));
};
