// jest globalSetup: a pool of real RSA-2048 keys, generated once per machine and kept in the
// temp directory, that test/support/rsa-pool.js serves to the code under test instead of a
// fresh key per call. RSA keygen was most of the suite's CPU (1,175 keys of ~110 ms each per
// run); the keys, certificates and handshakes stay real. Tests of key generation itself opt
// out (realRsaKeys() in test/support/rsa-pool.js).
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const POOL_SIZE = 96;
const POOL_FILE = path.join(os.tmpdir(), `stemguard-test-rsa-2048-x${POOL_SIZE}.json`);

function generate() {
  return new Promise((resolve, reject) =>
    crypto.generateKeyPair(
      "rsa",
      { modulusLength: 2048, publicExponent: 0x10001, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } },
      (err, publicKey, privateKey) => (err ? reject(err) : resolve({ publicKey, privateKey })),
    ),
  );
}

function readPool() {
  try {
    const st = fs.lstatSync(POOL_FILE);
    if (!st.isFile() || st.uid !== process.getuid()) return undefined;
    const keys = JSON.parse(fs.readFileSync(POOL_FILE, "utf8"));
    if (!Array.isArray(keys) || keys.length !== POOL_SIZE) return undefined;
    // A damaged pool is made again rather than trusted.
    for (const k of keys) crypto.createPrivateKey(k.privateKey);
    return keys;
  } catch {
    return undefined;
  }
}

module.exports = async () => {
  if (!readPool()) {
    const keys = await Promise.all(Array.from({ length: POOL_SIZE }, generate));
    const tmp = `${POOL_FILE}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(keys), { mode: 0o600 });
    fs.renameSync(tmp, POOL_FILE);
  }
  process.env.STEMGUARD_TEST_RSA_POOL = POOL_FILE;
};
